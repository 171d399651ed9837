// Issue 11 end to end, the real tgate against the emulator:
//  - an update tgate cannot process (a private /start whose chat has no id,
//    as a fuzzer left one in the database) is set aside, logged once and
//    counted in /metrics; the /start behind it links, and a restart neither
//    retries it nor is blocked by it;
//  - a group that migrated to a supergroup is remembered: a later message
//    the site addresses to the old id is queued to the new one.
#include <gtest/gtest.h>

#include <string>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class InboxFaults : public GatewayTest {
 protected:
  // What this run of tgate logged.
  std::string Logs() const { return tgate_->Stdout() + tgate_->Stderr(); }
  // The line of /metrics for `series` (name and labels), e.g. "x{bot=\"default\"} 1"; "" if absent.
  std::string MetricLine(const std::string& series) {
    auto m = TgateCall(tgate_port_, "GET", "/metrics");
    EXPECT_EQ(m.status, 200);
    size_t at = m.body.find("\n" + series + " ");
    if (at == std::string::npos) return "";
    size_t end = m.body.find('\n', at + 1);
    return m.body.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
  }
};

TEST_F(InboxFaults, AnUpdateThatCannotBeProcessedIsSetAsideAndBlocksNoOneBehindIt) {
  StartEmulator();
  StartTgate();
  ASSERT_EQ(StopTgate(), 0);
  // Update 0 sorts before every update the emulator sends (its ids start at 1).
  Sql("INSERT INTO updates (bot, update_id, payload, processed, received_at) VALUES ('default', 0, "
      "'{\"update_id\":0,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"type\":\"private\"},"
      "\"text\":\"/start abc\"}}', 0, unixepoch())");

  StartTgate();
  LinkUser("42", 1001);  // its /start is stored behind update 0
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1001).size() == 1; }));  // the welcome
  ASSERT_TRUE(tgate_->WaitForText("set aside update 0", std::chrono::seconds(10))) << Logs();
  EXPECT_NE(
      Logs().find("update 0, which cannot be processed: invalid_argument: update field message.chat has no "
                  "integer id"),
      std::string::npos)
      << Logs();
  EXPECT_EQ(MetricLine("tgate_updates_set_aside_total{bot=\"default\"}"),
            "tgate_updates_set_aside_total{bot=\"default\"} 1");
  EXPECT_EQ(MetricLine("tgate_updates_set_aside{bot=\"default\"}"),
            "tgate_updates_set_aside{bot=\"default\"} 1");
  ASSERT_EQ(StopTgate(), 0);

  // Restarted: not retried, not logged again, still counted as stored.
  StartTgate();
  LinkUser("43", 1002);
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1002).size() == 1; }));
  EXPECT_EQ(Logs().find("set aside update"), std::string::npos) << Logs();
  EXPECT_EQ(MetricLine("tgate_updates_set_aside_total{bot=\"default\"}"),
            "tgate_updates_set_aside_total{bot=\"default\"} 0");
  EXPECT_EQ(MetricLine("tgate_updates_set_aside{bot=\"default\"}"),
            "tgate_updates_set_aside{bot=\"default\"} 1");
}

TEST_F(InboxFaults, AMessageToAMigratedGroupsOldIdGoesToTheNewOne) {
  StartEmulator();
  ASSERT_EQ(
      Emu("POST", "/control/chat", R"({"chat_id":-100,"behavior":"migrate","migrate_to":-1000100})").status,
      200);
  StartTgate();
  auto first = Api("POST", "/v1/messages", R"({"chat_id":-100,"text":"first"})");
  ASSERT_EQ(first.status, 202) << first.body;
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(-1000100).size() == 1; }));  // after one 400 and a resend

  auto second = Api("POST", "/v1/messages", R"({"chat_id":-100,"text":"second"})");
  ASSERT_EQ(second.status, 202) << second.body;
  // Queued to the new id at once, before the dispatcher has tried anything.
  auto queued = Api("GET", "/v1/messages/" + std::to_string(second.Int("id")));
  EXPECT_EQ(queued.Int("chat_id"), -1000100) << queued.body;
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(-1000100).size() == 2; }));
  // Telegram has it; tgate writes the outcome in its next batch, a moment later.
  const std::string status_url = "/v1/messages/" + std::to_string(second.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", status_url).Str("status") != "queued"; }));
  auto sent = Api("GET", status_url);
  EXPECT_EQ(sent.Str("status"), "sent") << sent.body;
  EXPECT_EQ(sent.Int("attempts"), 1) << sent.body;
  EXPECT_EQ(SentTexts(-1000100), (std::vector<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace tgate::itest
