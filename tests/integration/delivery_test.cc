// The delivery engine end to end (issue #3): the real tgate against the
// emulator enforcing the limits, scripted failures, and a kill -9 during a
// broadcast. Limits are scaled up so each test takes seconds.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Delivery : public GatewayTest {
 protected:
  // Emulator and tgate with the same limits.
  void StartBoth(const std::map<std::string, std::string>& limits, TgateOptions options = {}) {
    std::vector<std::string> flags;
    static const std::map<std::string, std::string> kFlag{{"TGATE_LIMIT_GLOBAL_PER_SEC", "--global-per-sec"},
                                                          {"TGATE_LIMIT_CHAT_PER_SEC", "--chat-per-sec"},
                                                          {"TGATE_LIMIT_CHAT_BURST", "--chat-burst"},
                                                          {"TGATE_LIMIT_GROUP_PER_MIN", "--group-per-min"},
                                                          {"TGATE_LIMIT_PAID_PER_SEC", "--paid-per-sec"}};
    for (const auto& [env, value] : limits) {
      if (auto it = kFlag.find(env); it != kFlag.end()) flags.insert(flags.end(), {it->second, value});
      options.env[env] = value;
    }
    StartEmulator(flags);
    StartTgate(options);
  }
  std::string MessageStatus(int64_t id) {
    return Api("GET", "/v1/messages/" + std::to_string(id)).Str("status");
  }
  int64_t Send(const std::string& body) {
    auto r = Api("POST", "/v1/messages", body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.Int("id");
  }
  // Accept times (ms) of the emulator's messages to `chat`.
  std::vector<int64_t> Times(int64_t chat) {
    std::vector<int64_t> out;
    auto r = Emu("GET", "/control/sent?chat_id=" + std::to_string(chat));
    for (const auto& m : r.obj().at("messages").as_array()) out.push_back(m.at("t_ms").to_number<int64_t>());
    return out;
  }
};

TEST_F(Delivery, ZeroTooManyRequestsUnderExactLimits) {
  StartBoth({{"TGATE_LIMIT_GLOBAL_PER_SEC", "100"}, {"TGATE_LIMIT_CHAT_PER_SEC", "10"}});
  for (int u = 0; u < 20; ++u) LinkUser("u" + std::to_string(u), 5000 + u);
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"news"})");
  ASSERT_EQ(b.status, 202) << b.body;
  EXPECT_EQ(b.Int("total"), 20);
  std::vector<int64_t> ids;
  for (int k = 0; k < 5; ++k) {
    for (int u = 0; u < 20; ++u)
      ids.push_back(
          Send(R"({"user":"u)" + std::to_string(u) + R"(","text":"d)" + std::to_string(k) + R"("})"));
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("pending") == 0 &&
               MessageStatus(ids.back()) == "sent";
      },
      std::chrono::seconds(20)));
  for (int64_t id : ids) ASSERT_TRUE(WaitUntil([&] { return MessageStatus(id) == "sent"; })) << id;
  EXPECT_EQ(Emu("GET", "/control/stats").Int("rate_limited"), 0);
  for (int u = 0; u < 20; ++u) {
    auto texts = SentTexts(5000 + u);
    std::multiset<std::string> got(texts.begin(), texts.end());
    EXPECT_EQ(got.count("news"), 1u);
    for (int k = 0; k < 5; ++k) EXPECT_EQ(got.count("d" + std::to_string(k)), 1u);
    // One-to-one messages keep their order.
    std::vector<std::string> direct;
    for (const auto& t : texts)
      if (t[0] == 'd') direct.push_back(t);
    EXPECT_EQ(direct, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  }
}

TEST_F(Delivery, NetworkJitterDrawsNoTooManyRequests) {
  // Every request takes 20-120 ms to reach the emulator, so requests sent
  // evenly arrive unevenly (issue 11 item 3): tgate widens its windows by the
  // measured spread and the emulator, counting arrivals, refuses none.
  std::map<std::string, std::string> limits{{"TGATE_LIMIT_GLOBAL_PER_SEC", "100"},
                                            {"TGATE_LIMIT_CHAT_PER_SEC", "10"}};
  StartEmulator({"--global-per-sec", "100", "--chat-per-sec", "10", "--request-latency-ms", "20:120"});
  StartTgate(TgateOptions{.env = limits});
  for (int u = 0; u < 20; ++u) LinkUser("u" + std::to_string(u), 6000 + u);
  std::vector<int64_t> ids;
  for (int k = 0; k < 20; ++k) {
    for (int u = 0; u < 20; ++u)
      ids.push_back(
          Send(R"({"user":"u)" + std::to_string(u) + R"(","text":"j)" + std::to_string(k) + R"("})"));
  }
  for (int64_t id : ids)
    ASSERT_TRUE(WaitUntil([&] { return MessageStatus(id) == "sent"; }, std::chrono::seconds(30))) << id;
  auto stats = Emu("GET", "/control/stats");
  EXPECT_EQ(stats.Int("rate_limited"), 0) << stats.body;
  EXPECT_EQ(stats.Int("accepted"), 420);  // and the 20 links' welcome messages
}

TEST_F(Delivery, GroupLimitHoldsMessagesBack) {
  StartBoth({{"TGATE_LIMIT_GROUP_PER_MIN", "3"}, {"TGATE_LIMIT_GLOBAL_PER_SEC", "100"}});
  for (int i = 0; i < 5; ++i) Send(R"({"chat_id":-100123,"text":"g)" + std::to_string(i) + R"("})");
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(-100123).size() == 3; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  // The other two must wait for the first to leave the 60 s window.
  EXPECT_EQ(SentTexts(-100123), (std::vector<std::string>{"g0", "g1", "g2"}));
  EXPECT_EQ(Emu("GET", "/control/stats").Int("rate_limited"), 0);
}

TEST_F(Delivery, RetryAfterIsHonoured) {
  // tgate believes a chat takes 20/s; the emulator allows 1/s: it answers 429.
  StartEmulator({"--chat-per-sec", "1"});
  StartTgate({.env = {{"TGATE_LIMIT_CHAT_PER_SEC", "20"}}});
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(Send(R"({"chat_id":777,"text":"r)" + std::to_string(i) + R"("})"));
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(ids.back()) == "sent"; }, std::chrono::seconds(15)));
  EXPECT_GT(Emu("GET", "/control/stats").Int("rate_limited"), 0);
  EXPECT_EQ(SentTexts(777), (std::vector<std::string>{"r0", "r1", "r2"}));
  auto t = Times(777);
  ASSERT_EQ(t.size(), 3u);
  // Told to wait (retry_after >= 1 s), tgate never sent into that window.
  EXPECT_GE(t[1] - t[0], 1000);
  EXPECT_GE(t[2] - t[1], 1000);
}

TEST_F(Delivery, ServerErrorsAndDroppedConnectionsAreRetried) {
  StartEmulator();
  StartTgate();
  ASSERT_EQ(Emu("POST", "/control/faults", R"({"status":502,"count":2})").status, 200);
  int64_t a = Send(R"({"chat_id":4242,"text":"after two 502s"})");
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(a) == "sent"; }, std::chrono::seconds(15)));
  EXPECT_GE(Api("GET", "/v1/messages/" + std::to_string(a)).Int("attempts"), 3);
  ASSERT_EQ(Emu("POST", "/control/faults", R"({"drop":1})").status, 200);
  int64_t b = Send(R"({"chat_id":4343,"text":"after a drop"})");
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(b) == "sent"; }, std::chrono::seconds(15)));
  EXPECT_EQ(SentTexts(4343), std::vector<std::string>{"after a drop"});
}

TEST_F(Delivery, BlockedUserIsMarkedAndRefused) {
  StartEmulator();
  StartTgate();
  LinkUser("gone", 8080);
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":8080,"behavior":"blocked"})").status, 200);
  int64_t id = Send(R"({"user":"gone","text":"hello?"})");
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(id) == "failed"; }));
  EXPECT_NE(Api("GET", "/v1/messages/" + std::to_string(id)).Str("error").find("blocked"), std::string::npos);
  EXPECT_EQ(Api("GET", "/v1/users/gone").Str("status"), "blocked");
  EXPECT_EQ(Api("POST", "/v1/messages", R"({"user":"gone","text":"again"})").status, 409);
}

TEST_F(Delivery, ChatNotFoundFails) {
  StartEmulator();
  StartTgate();
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":9191,"behavior":"not_found"})").status, 200);
  int64_t id = Send(R"({"chat_id":9191,"text":"x"})");
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(id) == "failed"; }));
  EXPECT_NE(Api("GET", "/v1/messages/" + std::to_string(id)).Str("error").find("chat not found"),
            std::string::npos);
}

TEST_F(Delivery, MigratedGroupGetsTheMessageAtItsNewId) {
  StartEmulator();
  StartTgate();
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":-100500,"behavior":"migrate","migrate_to":-1009999})")
                .status,
            200);
  int64_t id = Send(R"({"chat_id":-100500,"text":"moved"})");
  ASSERT_TRUE(WaitUntil([&] { return MessageStatus(id) == "sent"; }));
  EXPECT_EQ(SentTexts(-1009999), std::vector<std::string>{"moved"});
}

TEST_F(Delivery, CancelStopsWhatIsNotSent) {
  StartEmulator();
  StartTgate();
  for (int u = 0; u < 12; ++u) LinkUser("c" + std::to_string(u), 6000 + u);
  // What an operator watches: the backlog in /metrics.
  auto pending = [&] {
    auto m = Api("GET", "/metrics");
    const std::string key = "tgate_queue_pending{bot=\"default\"} ";
    size_t at = m.body.find(key);
    return at == std::string::npos ? -2 : std::stoll(m.body.substr(at + key.size()));
  };
  ASSERT_TRUE(WaitUntil([&] { return pending() == 0; })) << "the welcome messages never went";
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"slow news","spread_seconds":600})");
  ASSERT_EQ(b.status, 202);
  EXPECT_GE(pending(), 11);
  auto c = Api("DELETE", "/v1/broadcasts/" + std::to_string(b.Int("id")));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.Str("status"), "cancelled");
  EXPECT_EQ(c.Int("pending"), 0);
  EXPECT_GE(c.Int("cancelled"), 11);  // the first may have gone at once
  EXPECT_EQ(pending(), 0);
  int64_t sent_then = c.Int("sent");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int64_t news = 0;
  for (int u = 0; u < 12; ++u) {
    for (const auto& t : SentTexts(6000 + u)) news += t == "slow news";
  }
  EXPECT_LE(news, sent_then + 1);  // at most one was in flight at the cancel
}

TEST_F(Delivery, KillDuringABroadcastLosesNothing) {
  // Small in-flight bound so the duplicate bound is tight.
  StartBoth({{"TGATE_LIMIT_GLOBAL_PER_SEC", "20"}, {"TGATE_LIMIT_MAX_IN_FLIGHT", "4"}});
  constexpr int kUsers = 40;
  for (int u = 0; u < kUsers; ++u) LinkUser("k" + std::to_string(u), 7000 + u);
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"survive"})");
  ASSERT_EQ(b.status, 202);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  KillTgate();
  StartTgate(last_options_);
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("pending") == 0; },
      std::chrono::seconds(20)));
  int duplicates = 0;
  for (int u = 0; u < kUsers; ++u) {
    int n = 0;
    for (const auto& t : SentTexts(7000 + u)) n += t == "survive";
    EXPECT_GE(n, 1) << "chat " << 7000 + u << " never got the broadcast";
    duplicates += std::max(0, n - 1);
  }
  // At most the 4 requests in flight, plus outcomes from the last 40 ms
  // flush period that had not reached the database (20/s: at most 1 more).
  EXPECT_LE(duplicates, 5);
  EXPECT_EQ(Emu("GET", "/control/stats").Int("rate_limited"), 0);
}

TEST_F(Delivery, SigtermFinishesInFlightWorkAndKeepsTheRestQueued) {
  StartBoth({{"TGATE_LIMIT_GLOBAL_PER_SEC", "10"}}, {.env = {{"TGATE_WELCOME_TEXT", ""}}});
  constexpr int kUsers = 30;
  for (int u = 0; u < kUsers; ++u) LinkUser("t" + std::to_string(u), 7500 + u);
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"graceful"})");
  ASSERT_EQ(b.status, 202);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(StopTgate(), 0) << "a graceful stop exits 0";
  StartTgate(last_options_);
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("pending") == 0; },
      std::chrono::seconds(20)));
  int total = 0;
  for (int u = 0; u < kUsers; ++u) {
    int n = 0;
    for (const auto& t : SentTexts(7500 + u)) n += t == "graceful";
    EXPECT_EQ(n, 1) << "chat " << 7500 + u << ": in-flight work was finished and recorded, so none is resent";
    total += n;
  }
  EXPECT_EQ(total, kUsers);
}

TEST_F(Delivery, PaidBroadcastUsesThePaidBudget) {
  // No welcome messages: they would use the small free budget first.
  TgateOptions quiet;
  quiet.env["TGATE_WELCOME_TEXT"] = "";
  StartBoth({{"TGATE_LIMIT_GLOBAL_PER_SEC", "5"}, {"TGATE_LIMIT_PAID_PER_SEC", "200"}}, quiet);
  for (int u = 0; u < 30; ++u) LinkUser("p" + std::to_string(u), 9000 + u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // per-chat windows of the /start replies
  auto b = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"paid","paid":true})");
  ASSERT_EQ(b.status, 202);
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/broadcasts/" + std::to_string(b.Int("id"))).Int("pending") == 0; }));
  // 30 messages at the free 5/s would take 6 s.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_EQ(Emu("GET", "/control/stats").Int("rate_limited"), 0);
  auto sent = Emu("GET", "/control/sent");
  int paid = 0;
  for (const auto& m : sent.obj().at("messages").as_array()) paid += m.at("paid").as_bool();
  // Only the broadcast went out: nothing else was sent.
  EXPECT_EQ(paid, 30);
}

}  // namespace
}  // namespace tgate::itest
