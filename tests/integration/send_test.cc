// Sending to a user end to end: 202 only once durable, status polling,
// idempotency, splitting, and a send that survives kill -9.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Send : public GatewayTest {};

TEST_F(Send, QueuedThenSentWithTelegramMessageId) {
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);
  auto r = Api("POST", "/v1/messages", R"({"user":"42","text":"Order shipped"})");
  ASSERT_EQ(r.status, 202) << r.body;
  int64_t id = r.Int("id");
  EXPECT_EQ(r.Str("status"), "queued");
  ASSERT_TRUE(
      WaitUntil([&] { return Api("GET", "/v1/messages/" + std::to_string(id)).Str("status") == "sent"; }));
  auto m = Api("GET", "/v1/messages/" + std::to_string(id));
  EXPECT_GT(m.Int("telegram_message_id"), 0);
  EXPECT_EQ(m.Int("attempts"), 1);
  EXPECT_EQ(m.Int("parts"), 1);
  auto texts = SentTexts(1001);
  ASSERT_EQ(texts.size(), 2u);  // welcome + ours
  EXPECT_EQ(texts[1], "Order shipped");
}

TEST_F(Send, IdempotencyKeyReturnsTheFirstMessage) {
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);
  std::map<std::string, std::string> h{{"Idempotency-Key", "order-7-shipped"}};
  auto a = Api("POST", "/v1/messages", R"({"user":"42","text":"once"})", h);
  auto b = Api("POST", "/v1/messages", R"({"user":"42","text":"once"})", h);
  ASSERT_EQ(a.status, 202);
  ASSERT_EQ(b.status, 202);
  EXPECT_EQ(a.Int("id"), b.Int("id"));
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/messages/" + std::to_string(a.Int("id"))).Str("status") == "sent"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(SentTexts(1001).size(), 2u);  // welcome + one
}

// Issue 11 item 4: a site retrying on a timeout, several copies at once, and a
// bug that reuses a key for a different message.
TEST_F(Send, OneKeySentManyTimesAtOnceMakesOneMessageAndAnotherBodyIs422) {
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);
  std::map<std::string, std::string> h{{"Idempotency-Key", "order-9-shipped"}};
  const std::string body = R"({"user":"42","text":"Order 9 shipped"})";
  std::vector<HttpAnswer> answers(8);
  std::vector<std::thread> senders;
  for (HttpAnswer& a : answers) senders.emplace_back([&] { a = Api("POST", "/v1/messages", body, h); });
  for (std::thread& t : senders) t.join();
  for (const HttpAnswer& a : answers) {
    ASSERT_EQ(a.status, 202) << a.body;
    EXPECT_EQ(a.Int("id"), answers[0].Int("id"));
  }
  auto other = Api("POST", "/v1/messages", R"({"user":"42","text":"Order 10 shipped"})", h);
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_NE(other.body.find("idempotency_key_reused"), std::string::npos) << other.body;
  const std::string first = "/v1/messages/" + std::to_string(answers[0].Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", first).Str("status") == "sent"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(SentTexts(1001), (std::vector<std::string>{SentTexts(1001).at(0), "Order 9 shipped"}));
}

TEST_F(Send, ABroadcastRetriedWithItsKeyIsSentOnce) {
  StartEmulator();
  StartTgate();
  LinkUser("a", 2001);
  LinkUser("b", 2002);
  std::map<std::string, std::string> h{{"Idempotency-Key", "newsletter-12"}};
  const std::string body = R"({"all":true,"text":"Issue 12 is out"})";
  auto a = Api("POST", "/v1/broadcasts", body, h);
  auto b = Api("POST", "/v1/broadcasts", body, h);
  ASSERT_EQ(a.status, 202) << a.body;
  ASSERT_EQ(b.status, 202) << b.body;
  EXPECT_EQ(a.Int("id"), b.Int("id"));
  EXPECT_EQ(a.Int("total"), 2);
  EXPECT_EQ(b.Int("total"), 2);
  auto other = Api("POST", "/v1/broadcasts", R"({"all":true,"text":"Issue 13 is out"})", h);
  EXPECT_EQ(other.status, 422) << other.body;
  const std::string progress = "/v1/broadcasts/" + std::to_string(a.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", progress).Int("sent") == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int64_t chat : {2001, 2002}) {
    auto texts = SentTexts(chat);
    EXPECT_EQ(std::count(texts.begin(), texts.end(), "Issue 12 is out"), 1) << chat;
    EXPECT_EQ(std::count(texts.begin(), texts.end(), "Issue 13 is out"), 0) << chat;
  }
}

TEST_F(Send, ByChatIdToAGroup) {
  StartEmulator();
  StartTgate();
  auto r = Api("POST", "/v1/messages", R"({"chat_id":-1001234,"text":"to the group"})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(-1001234).size() == 1; }));
}

TEST_F(Send, LongPlainTextIsSplitInOrder) {
  StartEmulator({"--chat-per-sec", "50", "--chat-burst", "5"});
  StartTgate({.env = {{"TGATE_LIMIT_CHAT_PER_SEC", "50"}, {"TGATE_LIMIT_CHAT_BURST", "5"}}});
  LinkUser("42", 1001);
  std::string para(3000, 'a');
  std::string text = para + "\\n\\n" + std::string(3000, 'b') + "\\n\\n" + std::string(3000, 'c');
  auto r = Api("POST", "/v1/messages", R"({"user":"42","text":")" + text + R"("})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/messages/" + std::to_string(r.Int("id"))).Str("status") == "sent"; }));
  auto texts = SentTexts(1001);
  ASSERT_GE(texts.size(), 3u);
  std::string joined;
  for (size_t i = 1; i < texts.size(); ++i) {
    EXPECT_LE(texts[i].size(), 4096u);
    joined += texts[i];
  }
  for (char c : {'a', 'b', 'c'}) EXPECT_EQ(std::count(joined.begin(), joined.end(), c), 3000) << c;
  EXPECT_LT(joined.rfind('a'), joined.find('b'));
  EXPECT_LT(joined.rfind('b'), joined.find('c'));
  // Parts apart from attempts: each part went once (issue 14).
  auto m = Api("GET", "/v1/messages/" + std::to_string(r.Int("id")));
  EXPECT_EQ(m.Int("parts"), static_cast<int64_t>(texts.size() - 1)) << m.body;
  EXPECT_EQ(m.Int("attempts"), 1) << m.body;
}

TEST_F(Send, AcceptedMessagesSurviveKill9) {
  StartEmulator({"--chat-per-sec", "2"});
  StartTgate({.env = {{"TGATE_LIMIT_CHAT_PER_SEC", "2"}}});
  LinkUser("42", 1001);
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    auto r = Api("POST", "/v1/messages", R"({"user":"42","text":"m)" + std::to_string(i) + R"("})");
    ASSERT_EQ(r.status, 202);
    ids.push_back(r.Int("id"));
  }
  KillTgate();  // most are still queued: 2 per second to this chat
  StartTgate();
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/messages/" + std::to_string(ids.back())).Str("status") == "sent"; },
      std::chrono::seconds(20)));
  auto texts = SentTexts(1001);
  std::map<std::string, int> seen;
  for (const auto& t : texts) seen[t]++;
  for (int i = 0; i < 10; ++i) EXPECT_GE(seen["m" + std::to_string(i)], 1) << "lost m" << i;
  int duplicates = 0;
  for (const auto& [t, n] : seen) duplicates += n - 1;
  EXPECT_LE(duplicates, 1) << "only an in-flight message may be sent twice";
}

}  // namespace
}  // namespace tgate::itest
