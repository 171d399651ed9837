// A Bot API outage end to end (issue 11 item 2): the emulator answers every
// call, getMe included, with 502 (or drops every connection) for longer than
// the whole retry schedule (TGATE_LIMIT_MAX_ATTEMPTS=2: ~1 s), while the site
// keeps sending. tgate pauses the bot, says so in its log, /readyz and
// /metrics, fails nothing but the message whose ttl_seconds passed, and
// delivers everything else once Telegram is back.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Outage : public GatewayTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::string MessageStatus(int64_t id) {
    return Api("GET", "/v1/messages/" + std::to_string(id)).Str("status");
  }
  int64_t Send(const std::string& body) {
    auto r = Api("POST", "/v1/messages", body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.Int("id");
  }
  std::string Metric(const std::string& line_start) {
    auto m = TgateCall(tgate_port_, "GET", "/metrics");
    size_t at = m.body.find("\n" + line_start);
    if (at == std::string::npos) return "";
    size_t end = m.body.find('\n', at + 1);
    return m.body.substr(at + 1 + line_start.size(), end - at - 1 - line_start.size());
  }
};

TEST_P(Outage, MessagesWaitThroughAnOutageLongerThanEveryRetryAndGoOnceItEnds) {
  StartEmulator({"--global-per-sec", "100", "--chat-per-sec", "10"});
  StartTgate({.env = {{"TGATE_LIMIT_GLOBAL_PER_SEC", "100"},
                      {"TGATE_LIMIT_CHAT_PER_SEC", "10"},
                      {"TGATE_LIMIT_MAX_ATTEMPTS", "2"}}});
  for (int u = 0; u < 10; ++u) LinkUser("u" + std::to_string(u), 7000 + u);
  // The welcome messages go before the outage.
  ASSERT_TRUE(WaitUntil([&] { return Emu("GET", "/control/stats").Int("accepted") == 10; }));
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/readyz").status, 200);

  ASSERT_EQ(Emu("POST", "/control/outage", GetParam()).status, 200);
  std::vector<int64_t> ids;
  for (int u = 0; u < 10; ++u)
    ids.push_back(Send(R"({"user":"u)" + std::to_string(u) + R"(","text":"d)" + std::to_string(u) + R"("})"));
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"news"})");
  ASSERT_EQ(b.status, 202) << b.body;
  const int64_t code = Send(R"({"chat_id":7000,"text":"login code 1234","ttl_seconds":2})");

  ASSERT_TRUE(tgate_->WaitForText("Telegram cannot be reached", std::chrono::seconds(10)))
      << tgate_->Stderr();
  auto ready = TgateCall(tgate_port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find(R"("bots_in_outage":["default"])"), std::string::npos) << ready.body;
  EXPECT_EQ(Metric("tgate_bot_api_outage{bot=\"default\"} "), "1");
  // Five times the whole retry schedule: nothing fails, but the message whose deadline passed.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  EXPECT_EQ(MessageStatus(code), "failed");
  EXPECT_EQ(Api("GET", "/v1/messages/" + std::to_string(code)).Str("error").rfind("expired:", 0), 0u);
  for (int64_t id : ids) EXPECT_EQ(MessageStatus(id), "queued") << id;
  EXPECT_EQ(Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("failed"), 0);
  EXPECT_EQ(Emu("GET", "/control/stats").Int("accepted"), 10);

  ASSERT_EQ(Emu("POST", "/control/outage", R"({"on":false})").status, 200);
  // Probes back off to at most 5 s; here the next is due within 5 s.
  for (int64_t id : ids)
    EXPECT_TRUE(WaitUntil([&] { return MessageStatus(id) == "sent"; }, std::chrono::seconds(20))) << id;
  EXPECT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("pending") == 0; }));
  EXPECT_EQ(Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("sent"), 10);
  EXPECT_TRUE(tgate_->WaitForText("Telegram reachable again after an outage of", std::chrono::seconds(5)));
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/readyz").status, 200);
  EXPECT_EQ(Metric("tgate_bot_api_outage{bot=\"default\"} "), "0");
  EXPECT_GE(std::stod(Metric("tgate_bot_api_outage_seconds_total{bot=\"default\"} ")), 5.0);
  EXPECT_EQ(Metric("tgate_dispatch_expired_total{bot=\"default\"} "), "1");
  // Each message once, the expired one never.
  for (int u = 0; u < 10; ++u) {
    auto texts = SentTexts(7000 + u);
    EXPECT_EQ(std::count(texts.begin(), texts.end(), "d" + std::to_string(u)), 1) << u;
    EXPECT_EQ(std::count(texts.begin(), texts.end(), "news"), 1) << u;
    EXPECT_EQ(std::count(texts.begin(), texts.end(), "login code 1234"), 0) << u;
  }
  EXPECT_EQ(Emu("GET", "/control/stats").Int("rate_limited"), 0);
}

INSTANTIATE_TEST_SUITE_P(BadGatewayOrDropped, Outage, ::testing::Values(R"({"status":502})", "{}"),
                         [](const auto& info) { return info.index == 0 ? "BadGateway" : "Dropped"; });

}  // namespace
}  // namespace tgate::itest
