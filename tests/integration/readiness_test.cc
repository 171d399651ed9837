// GET /readyz for a load balancer and /metrics by Prometheus' rules, through
// the real binary (issue 14 item 8): ready once getMe answered and the
// database takes writes; 503 naming the bot while Telegram cannot be reached
// (an outage the dispatcher found, or getMe failing from the start), and
// ready again when it comes back. /healthz stays 200 throughout.
#include <gtest/gtest.h>

#include <string>

#include "core/metrics_lint_test_util.h"
#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Readiness : public GatewayTest {
 protected:
  // The value of the sample `series` (name and labels), or -1 if absent.
  double Metric(const std::string& body, const std::string& series) {
    size_t at = body.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(body.substr(at + series.size() + 2, body.find('\n', at + 1) - at - series.size() - 2));
  }
};

TEST_F(Readiness, NamesTheBotWhileTelegramCannotBeReachedAndMetricsKeepPrometheusRules) {
  StartEmulator();
  StartTgate({.env = {{"TGATE_LIMIT_MAX_ATTEMPTS", "2"}}});
  LinkUser("u0", 7000);
  ASSERT_TRUE(WaitUntil([&] { return Emu("GET", "/control/stats").Int("accepted") == 1; }));
  auto ready = TgateCall(tgate_port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, R"({"status":"ready"})");

  auto m = TgateCall(tgate_port_, "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const std::string& problem : tgate::testing::LintExposition(m.body)) ADD_FAILURE() << problem;
  EXPECT_NE(m.body.find("# TYPE tgate_dispatch_sent_total counter\n"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE tgate_queue_wait_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(Metric(m.body, R"(tgate_queue_wait_seconds_count{bot="default"})"), 1) << "the welcome message";
  // The round trip is observed once tgate has read the answer, a moment after
  // the emulator counted the message.
  EXPECT_TRUE(WaitUntil([&] {
    return Metric(TgateCall(tgate_port_, "GET", "/metrics").body,
                  R"(tgate_telegram_request_seconds_count{bot="default"})") >= 1;
  }));
  EXPECT_GE(Metric(m.body, R"(tgate_webhook_updates_total{bot="default",result="accepted"})"), 1)
      << "the /start that linked u0";
  // No events_url: the outbox keeps user.linked (and what follows).
  EXPECT_GE(Metric(m.body, "tgate_events_pending"), 1);
  EXPECT_GE(Metric(m.body, "tgate_events_oldest_age_seconds"), 0);

  ASSERT_EQ(Emu("POST", "/control/outage", R"({"status":502})").status, 200);
  auto sent = Api("POST", "/v1/messages", R"({"user":"u0","text":"during the outage"})");
  ASSERT_EQ(sent.status, 202) << sent.body;
  ASSERT_TRUE(tgate_->WaitForText("Telegram cannot be reached", std::chrono::seconds(10)))
      << tgate_->Stderr();
  auto down = TgateCall(tgate_port_, "GET", "/readyz");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find(R"("status":"not_ready")"), std::string::npos) << down.body;
  EXPECT_NE(down.body.find(R"("bots":{"default":"Telegram cannot be reached)"), std::string::npos)
      << down.body;
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200) << "alive all the same";

  ASSERT_EQ(Emu("POST", "/control/outage", R"({"on":false})").status, 200);
  EXPECT_TRUE(WaitUntil([&] { return TgateCall(tgate_port_, "GET", "/readyz").status == 200; },
                        std::chrono::seconds(20)));
  EXPECT_TRUE(WaitUntil([&] { return Emu("GET", "/control/stats").Int("accepted") == 2; }));
  m = TgateCall(tgate_port_, "GET", "/metrics");
  for (const std::string& problem : tgate::testing::LintExposition(m.body)) ADD_FAILURE() << problem;
  EXPECT_EQ(Metric(m.body, R"(tgate_queue_wait_seconds_count{bot="default"})"), 2)
      << "once per message, however often it was tried";
}

TEST_F(Readiness, ABotWhoseGetMeFailsFromTheStartIsNotReadyUntilItAnswers) {
  StartEmulator();
  ASSERT_EQ(Emu("POST", "/control/outage", R"({"status":502})").status, 200);
  StartTgate({.set_webhook = false, .wait_for_username = false});
  std::string body;
  EXPECT_TRUE(WaitUntil([&] {
    auto r = TgateCall(tgate_port_, "GET", "/readyz");
    body = r.body;
    return r.status == 503 && r.body.find(R"("default":"getMe failed)") != std::string::npos;
  })) << body;
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);

  ASSERT_EQ(Emu("POST", "/control/outage", R"({"on":false})").status, 200);
  // getMe is retried at 1, 2, 4, 8 s...
  EXPECT_TRUE(WaitUntil([&] { return TgateCall(tgate_port_, "GET", "/readyz").status == 200; },
                        std::chrono::seconds(30)));
}

}  // namespace
}  // namespace tgate::itest
