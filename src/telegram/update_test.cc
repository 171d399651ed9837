#include "telegram/update.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::telegram {
namespace {

ParsedUpdate MessageWithText(std::string text) {
  ParsedUpdate u;
  u.kind = ParsedUpdate::kMessage;
  u.text = std::move(text);
  return u;
}

TEST(ParseUpdate, PrivateMessage) {
  auto u = ParseUpdate(R"({"update_id":900000001,"message":{"message_id":5,"date":1700000000,
      "chat":{"id":123456789,"type":"private","first_name":"Ann"},
      "from":{"id":123456789,"is_bot":false,"first_name":"Ann","username":"ann_dev"},
      "text":"/start abc-DEF_123"}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->update_id, 900000001);
  EXPECT_EQ(u->kind, ParsedUpdate::kMessage);
  EXPECT_EQ(u->chat_id, 123456789);
  EXPECT_EQ(u->chat_type, "private");
  EXPECT_EQ(u->from_id, 123456789);
  EXPECT_EQ(u->from_username, "ann_dev");
  EXPECT_EQ(u->text, "/start abc-DEF_123");
}

TEST(ParseUpdate, MessageWithoutTextIsAMessageWithEmptyText) {
  auto u = ParseUpdate(R"({"update_id":2,"message":{"chat":{"id":-1001234567890,"type":"supergroup"},
      "from":{"id":7},"photo":[]}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->kind, ParsedUpdate::kMessage);
  EXPECT_EQ(u->chat_id, -1001234567890);
  EXPECT_EQ(u->chat_type, "supergroup");
  EXPECT_EQ(u->from_id, 7);
  EXPECT_EQ(u->from_username, "");
  EXPECT_EQ(u->text, "");
}

TEST(ParseUpdate, MyChatMemberBlock) {
  auto u = ParseUpdate(R"({"update_id":3,"my_chat_member":{"chat":{"id":42,"type":"private"},
      "from":{"id":42,"username":"bob"},"date":1,
      "old_chat_member":{"status":"member","user":{"id":1}},
      "new_chat_member":{"status":"kicked","until_date":0,"user":{"id":1}}}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->kind, ParsedUpdate::kMyChatMember);
  EXPECT_EQ(u->chat_id, 42);
  EXPECT_EQ(u->chat_type, "private");
  EXPECT_EQ(u->from_id, 42);
  EXPECT_EQ(u->from_username, "bob");
  EXPECT_EQ(u->new_status, "kicked");
}

TEST(ParseUpdate, OtherKinds) {
  for (const char* body :
       {R"({"update_id":4,"edited_message":{"chat":{"id":1,"type":"private"},"text":"x"}})",
        R"({"update_id":5,"channel_post":{"chat":{"id":-100,"type":"channel"}}})",
        R"({"update_id":6,"callback_query":{"id":"q"}})", R"({"update_id":7})"}) {
    auto u = ParseUpdate(body);
    ASSERT_OK(u);
    EXPECT_EQ(u->kind, ParsedUpdate::kOther) << body;
  }
}

TEST(ParseUpdate, RejectsMalformedUpdates) {
  for (const char* body :
       {"", "not json", "[1,2]", "42", "{}", R"({"update_id":"5"})", R"({"update_id":-1})",
        R"({"update_id":1.5})", R"({"update_id":null,"message":{}})",
        // Found by fuzz/update_fuzzer: 1e999 reads as infinity and would be
        // stored or forwarded as `Infinity`, which is not JSON.
        R"({"update_id":7,"message":{"chat":{"id":1,"type":"private"},"date":176E7225600}})"}) {
    auto u = ParseUpdate(body);
    EXPECT_FALSE(u.ok()) << body;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << body;
  }
}

// A message or member update tgate would act on with a wrong chat (id 0) or
// wrong fields is refused with a clear error instead.
TEST(ParseUpdate, RejectsMessagesWithoutAnIntegerChatIdOrWithWrongTypes) {
  const struct {
    const char* body;
    const char* error;
  } kCases[] = {
      {R"({"update_id":1,"message":{"chat":{"type":"private"},"text":"/start x"}})",
       "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":{"id":"42","type":"private"}}})",
       "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":{"id":4.5,"type":"private"}}})", "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":{"id":null}}})", "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":{"id":0,"type":"private"}}})", "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":{"id":18446744073709551615}}})", "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"text":"/start x"}})", "message.chat has no integer id"},
      {R"({"update_id":1,"message":{"chat":[1]}})", "message.chat is not an object"},
      {R"({"update_id":1,"message":"hi"})", "message is not an object"},
      {R"({"update_id":1,"message":null,"my_chat_member":{"chat":{"id":1}}})", "message is not an object"},
      {R"({"update_id":1,"message":{"chat":{"id":1,"type":7}}})", "message.chat.type is not a string"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"text":["/start"]}})", "message.text is not a string"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"from":"me"}})", "message.from is not an object"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"from":{"id":"1"}}})",
       "message.from.id is not an integer"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"from":{"id":1,"username":1}}})",
       "message.from.username is not a string"},
      {R"({"update_id":1,"my_chat_member":{"chat":{"type":"private"}}})",
       "my_chat_member.chat has no integer id"},
      {R"({"update_id":1,"my_chat_member":[]})", "my_chat_member is not an object"},
      {R"({"update_id":1,"my_chat_member":{"chat":{"id":1},"new_chat_member":"kicked"}})",
       "my_chat_member.new_chat_member is not an object"},
      {R"({"update_id":1,"my_chat_member":{"chat":{"id":1},"new_chat_member":{"status":true}}})",
       "my_chat_member.new_chat_member.status is not a string"},
  };
  for (const auto& c : kCases) {
    auto u = ParseUpdate(c.body);
    ASSERT_FALSE(u.ok()) << c.body;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << c.body;
    EXPECT_NE(u.status().message().find(c.error), std::string::npos)
        << c.body << " -> " << u.status().message();
  }
}

TEST(ParseUpdate, AbsentOptionalFieldsAreEmpty) {
  auto u = ParseUpdate(R"({"update_id":1,"message":{"chat":{"id":-5}}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->chat_id, -5);
  EXPECT_EQ(u->chat_type, "");
  EXPECT_EQ(u->from_id, 0);
  EXPECT_EQ(u->from_username, "");
  EXPECT_EQ(u->text, "");
  u = ParseUpdate(R"({"update_id":1,"my_chat_member":{"chat":{"id":7,"type":"private"}}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->kind, ParsedUpdate::kMyChatMember);
  EXPECT_EQ(u->new_status, "");
}

// Read as it is parsed (no DOM), an update still reads as its DOM would.
TEST(ParseUpdate, AKeyGivenTwiceCountsByItsLastValueAndItsFieldsAfresh) {
  auto u = ParseUpdate(R"({"update_id":1,"message":{"chat":{"id":5,"type":"private"},"text":"a",)"
                       R"("from":{"id":7,"username":"x"}},"message":{"chat":{"id":6}}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->chat_id, 6);
  EXPECT_EQ(u->chat_type, "");
  EXPECT_EQ(u->text, "");
  EXPECT_EQ(u->from_id, 0);
  EXPECT_EQ(u->from_username, "");
  u = ParseUpdate(
      R"({"update_id":1,"message":{"chat":{"id":5},"chat":{"type":"group"},"text":"a","text":"b"}})");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("message.chat has no integer id"), std::string::npos);
  u = ParseUpdate(R"({"update_id":1,"message":{"chat":{"id":5},"text":"a","text":"b"},"update_id":2})");
  ASSERT_OK(u);
  EXPECT_EQ(u->update_id, 2);
  EXPECT_EQ(u->text, "b");
  EXPECT_FALSE(ParseUpdate(R"({"update_id":1,"update_id":"1"})").ok());
  EXPECT_FALSE(ParseUpdate(R"({"update_id":1,"message":{"chat":{"id":5}},"message":7})").ok());
  // A number no reader could parse is refused even where a later value replaced it: the text is forwarded.
  EXPECT_FALSE(ParseUpdate(R"({"update_id":1,"x":1e999,"x":1})").ok());
}

TEST(ParseUpdate, OnlyFieldsWhereTheUpdateHasThemCount) {
  auto u = ParseUpdate(R"({"update_id":1,"x":{"message":{"chat":{"id":5}},"update_id":"no"}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->kind, ParsedUpdate::kOther);
  u = ParseUpdate(R"({"update_id":2,"message":{"chat":{"id":5,"chat":{"id":9}},"reply_to_message":)"
                  R"({"text":"no","chat":{"id":9},"from":{"id":"x"}},"entities":[{"text":"no"},"text"]}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->chat_id, 5);
  EXPECT_EQ(u->text, "");
  EXPECT_EQ(u->from_id, 0);
  // A chat member update has no text; a message no new member.
  u = ParseUpdate(R"({"update_id":3,"my_chat_member":{"chat":{"id":5},"text":7,)"
                  R"("new_chat_member":{"status":"kicked"}},"new_chat_member":1})");
  ASSERT_OK(u);
  EXPECT_EQ(u->new_status, "kicked");
  u = ParseUpdate(R"({"update_id":4,"message":{"chat":{"id":5},"new_chat_member":{"status":1}}})");
  ASSERT_OK(u);
  EXPECT_EQ(u->new_status, "");
}

TEST(ParseUpdate, EscapesAreReadAndOnlyWhitespaceMayFollow) {
  auto u = ParseUpdate(
      " {\"update_id\":1,\"message\":{\"chat\":{\"\\u0069d\":5},\"te\\u0078t\":"
      "\"a\\\"b \\u00e9\\n\"}} \n\t");
  ASSERT_OK(u);
  EXPECT_EQ(u->chat_id, 5);
  EXPECT_EQ(u->text, "a\"b \xc3\xa9\n");
  for (const char* body : {R"({"update_id":1} x)", R"({"update_id":1}{})", R"({"update_id":1,})",
                           "{\"update_id\":1,\"message\":{\"chat\":{\"id\":5},\"text\":\"\xff\"}}"}) {
    EXPECT_FALSE(ParseUpdate(body).ok()) << body;
  }
  // Boost.JSON's default depth (32) holds, as it did for the DOM.
  std::string deep = R"({"update_id":1,"x":)" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_FALSE(ParseUpdate(deep).ok());
}

TEST(StartPayload, BareStartGivesEmptyPayload) {
  EXPECT_EQ(StartPayload(MessageWithText("/start"), "MyBot"), "");
  EXPECT_EQ(StartPayload(MessageWithText("/start   "), "MyBot"), "");
}

TEST(StartPayload, ReturnsPayload) {
  EXPECT_EQ(StartPayload(MessageWithText("/start abc123"), "MyBot"), "abc123");
  EXPECT_EQ(StartPayload(MessageWithText("/start  abc123 "), "MyBot"), "abc123");
  EXPECT_EQ(StartPayload(MessageWithText("/start@MyBot abc123"), "MyBot"), "abc123");
  EXPECT_EQ(StartPayload(MessageWithText("/start@mybot abc123"), "MyBot"), "abc123");
  EXPECT_EQ(StartPayload(MessageWithText("/start@MYBOT"), "@mybot"), "");
  EXPECT_EQ(StartPayload(MessageWithText("/start@anything x"), ""), "x");
}

TEST(StartPayload, RejectsOtherTextAndOtherBots) {
  EXPECT_EQ(StartPayload(MessageWithText("/start@OtherBot abc"), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText("/started"), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText("/start_abc"), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText("/help"), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText("hello /start x"), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText(""), "MyBot"), std::nullopt);
  EXPECT_EQ(StartPayload(MessageWithText("/start@ x"), "MyBot"), std::nullopt);
  ParsedUpdate member;
  member.kind = ParsedUpdate::kMyChatMember;
  member.text = "/start x";
  EXPECT_EQ(StartPayload(member, "MyBot"), std::nullopt);
}

}  // namespace
}  // namespace tgate::telegram
