// EventOrderKey: the chat whose events keep their order, for every kind of
// event tgate writes and the updates Telegram keeps in order by chat.
#include "api/event_order.h"

#include <gtest/gtest.h>

namespace tgate::api {
namespace {

TEST(EventOrderKey, TgatesOwnEventsAreKeptInOrderByTheirChat) {
  EXPECT_EQ(EventOrderKey(R"({"type":"user.linked","user":"42","chat_id":4242,"bot":"shop"})"), "shop/4242");
  EXPECT_EQ(EventOrderKey(R"({"type":"user.unlinked","bot":"shop","user":"42","chat_id":4242})"),
            "shop/4242");
  EXPECT_EQ(
      EventOrderKey(
          R"({"type":"message.sent","id":7,"chat_id":-1001234567890,"telegram_message_id":9,"bot":"b"})"),
      "b/-1001234567890");
}

TEST(EventOrderKey, OneChatOfTwoBotsIsTwoKeys) {
  EXPECT_NE(EventOrderKey(R"({"type":"message.sent","chat_id":5,"bot":"a"})"),
            EventOrderKey(R"({"type":"message.sent","chat_id":5,"bot":"b"})"));
}

TEST(EventOrderKey, AnUpdateIsKeptInOrderByTheChatTelegramKeepsItsOrderIn) {
  auto update = [](const std::string& body) {
    return EventOrderKey(R"({"type":"update","update":{"update_id":1,)" + body + R"(},"bot":"b"})");
  };
  EXPECT_EQ(update(R"("message":{"message_id":1,"from":{"id":9},"chat":{"id":77,"type":"private"}})"),
            "b/77");
  EXPECT_EQ(update(R"("edited_message":{"chat":{"id":-100,"type":"group"},"from":{"id":9}})"), "b/-100");
  EXPECT_EQ(update(R"("channel_post":{"chat":{"id":-1005,"type":"channel"}})"), "b/-1005");
  EXPECT_EQ(update(R"("my_chat_member":{"chat":{"id":77},"from":{"id":77}})"), "b/77");
  EXPECT_EQ(update(R"("chat_join_request":{"chat":{"id":-1006},"from":{"id":9}})"), "b/-1006");
  // A callback query: its message's chat, else (an inline message's) its sender.
  EXPECT_EQ(update(R"("callback_query":{"id":"x","from":{"id":9},"message":{"chat":{"id":-100}}})"),
            "b/-100");
  EXPECT_EQ(update(R"("callback_query":{"id":"x","from":{"id":9},"inline_message_id":"y"})"), "b/9");
  EXPECT_EQ(update(R"("inline_query":{"id":"q","from":{"id":9},"query":""})"), "b/9");
  EXPECT_EQ(update(R"("poll_answer":{"poll_id":"p","user":{"id":9},"option_ids":[0]})"), "b/9");
}

TEST(EventOrderKey, AnEventNamingNoChatWaitsForNone) {
  EXPECT_EQ(EventOrderKey(R"({"type":"update","update":{"update_id":1,"poll":{"id":"p"}},"bot":"b"})"), "");
  EXPECT_EQ(EventOrderKey(R"({"type":"update","update":{"update_id":1},"bot":"b"})"), "");
  EXPECT_EQ(EventOrderKey(R"({"type":"user.linked","user":"42"})"), "");
  EXPECT_EQ(EventOrderKey(R"({"type":"x","chat_id":"5"})"), "");  // not a number
  EXPECT_EQ(EventOrderKey(R"({"type":"x","chat_id":5.5})"), "");
  EXPECT_EQ(EventOrderKey("not json"), "");
  EXPECT_EQ(EventOrderKey("[1,2]"), "");
  EXPECT_EQ(EventOrderKey(""), "");
}

}  // namespace
}  // namespace tgate::api
