#include "dispatch/loaded_messages.h"

#include <gtest/gtest.h>

namespace tgate::dispatch {
namespace {

Loaded Message(int64_t id, int64_t chat, store::Priority priority, int64_t deadline_ms = INT64_MAX) {
  Loaded m;
  m.message.id = id;
  m.message.chat_id = chat;
  m.message.priority = priority;
  m.deadline_ms = deadline_ms;
  return m;
}

TEST(LoadedMessages, CountsTheBroadcastMessagesItHolds) {
  LoadedMessages held;
  held.Insert(Message(1, 10, store::Priority::kDirect));
  held.Insert(Message(2, 10, store::Priority::kBroadcast));
  held.Insert(Message(3, 20, store::Priority::kBroadcast));
  EXPECT_EQ(held.size(), 3u);
  EXPECT_EQ(held.broadcasts(), 2u);

  EXPECT_TRUE(held.Erase(2));
  EXPECT_FALSE(held.Erase(2));  // not held any more: counted once
  EXPECT_TRUE(held.Erase(1));
  EXPECT_EQ(held.size(), 1u);
  EXPECT_EQ(held.broadcasts(), 1u);
  EXPECT_EQ(held.Find(1), nullptr);
  ASSERT_NE(held.Find(3), nullptr);
  EXPECT_TRUE(held.Contains(3));
}

TEST(LoadedMessages, CountsTheOneToOneMessagesItHoldsByChat) {
  LoadedMessages held;
  held.Insert(Message(1, 10, store::Priority::kDirect));
  held.Insert(Message(2, 10, store::Priority::kDirect));
  held.Insert(Message(3, 10, store::Priority::kBroadcast));
  held.Insert(Message(4, -5, store::Priority::kDirect));
  EXPECT_EQ(held.directs(), 3u);
  EXPECT_EQ(held.DirectsTo(10), 2u);
  EXPECT_EQ(held.DirectsTo(-5), 1u);

  EXPECT_TRUE(held.Erase(1));
  EXPECT_FALSE(held.Erase(1));
  EXPECT_EQ(held.DirectsTo(10), 1u);
  held.MoveChat(-5, -1009);  // a group became a supergroup
  EXPECT_EQ(held.DirectsTo(-5), 0u);
  EXPECT_EQ(held.DirectsTo(-1009), 1u);
  EXPECT_TRUE(held.Erase(4));
  EXPECT_TRUE(held.Erase(2));
  EXPECT_EQ(held.directs(), 0u);
  EXPECT_EQ(held.DirectsTo(10), 0u);
  EXPECT_EQ(held.DirectsTo(-1009), 0u);
}

TEST(LoadedMessages, MoveChatRetargetsOnlyThatChatsMessages) {
  LoadedMessages held;
  held.Insert(Message(1, -5, store::Priority::kDirect));
  held.Insert(Message(2, -5, store::Priority::kBroadcast));
  held.Insert(Message(3, 7, store::Priority::kDirect));
  held.MoveChat(-5, -1009);
  EXPECT_EQ(held.Find(1)->message.chat_id, -1009);
  EXPECT_EQ(held.Find(2)->message.chat_id, -1009);
  EXPECT_EQ(held.Find(3)->message.chat_id, 7);
}

TEST(LoadedMessages, PastDeadlineListsTheDueAndGivesTheSoonestOfTheRest) {
  LoadedMessages held;
  held.Insert(Message(1, 10, store::Priority::kDirect, 1000));
  held.Insert(Message(2, 20, store::Priority::kDirect, 2000));
  held.Insert(Message(3, 30, store::Priority::kDirect, 3000));
  held.Insert(Message(4, 40, store::Priority::kDirect));  // no deadline
  int64_t next = 0;
  auto due = held.PastDeadline(2000, &next);
  std::sort(due.begin(), due.end());
  EXPECT_EQ(due, (std::vector<std::pair<int64_t, int64_t>>{{10, 1}, {20, 2}}));
  EXPECT_EQ(next, 3000);

  EXPECT_TRUE(held.PastDeadline(999, &next).empty());
  EXPECT_EQ(next, 1000);
}

TEST(LoadedMessages, TheSendBodyCarriesTheNextPartAndTheMessagesOwnFields) {
  Loaded m = Message(1, -1001234567890, store::Priority::kBroadcast);
  m.content =
      MakeContent({"first", "second \"quoted\" \u00e9\n"},
                  {{"parse_mode", "HTML"}, {"reply_markup", {{"inline_keyboard", boost::json::array{}}}}});
  Job job;
  job.id = 1;
  job.chat_id = -1001234567890;
  job.parts_sent = 1;
  job.paid = true;
  boost::json::object p = boost::json::parse(SendBody(job, m)).as_object();
  EXPECT_EQ(p.size(), 5u);
  EXPECT_EQ(p.at("chat_id").as_int64(), -1001234567890);
  EXPECT_EQ(p.at("text").as_string(), "second \"quoted\" \u00e9\n");
  EXPECT_EQ(p.at("parse_mode").as_string(), "HTML");
  EXPECT_TRUE(p.at("reply_markup").as_object().at("inline_keyboard").as_array().empty());
  EXPECT_TRUE(p.at("allow_paid_broadcast").as_bool());

  job.parts_sent = 5;  // past the end (a resumed message): the last part
  job.paid = false;
  p = boost::json::parse(SendBody(job, m)).as_object();
  EXPECT_EQ(p.at("text").as_string(), "second \"quoted\" \u00e9\n");
  EXPECT_FALSE(p.contains("allow_paid_broadcast"));
}

// A field of its own named as one the body sets is not written twice (JSON
// readers differ on which of two equal keys counts): the body's wins.
TEST(LoadedMessages, TheSendBodyWritesChatIdTextAndPaidOnlyOnce) {
  Loaded m = Message(1, 10, store::Priority::kDirect);
  m.content = MakeContent({"hello"}, {{"chat_id", 99}, {"text", "other"}, {"allow_paid_broadcast", true}});
  Job job;
  job.id = 1;
  job.chat_id = 10;
  const std::string body = SendBody(job, m);
  EXPECT_EQ(body, R"({"chat_id":10,"text":"hello"})");
}

}  // namespace
}  // namespace tgate::dispatch
