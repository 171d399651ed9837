#include "tools/emulator/chat_script.h"

#include <gtest/gtest.h>

namespace tgate::emulator {
namespace {

TEST(ChatScript, ScriptedBehavioursAnswerTelegramsTexts) {
  ChatScript s;
  s.Set(1, ChatBehavior::kBlocked);
  s.Set(2, ChatBehavior::kDeactivated);
  s.Set(3, ChatBehavior::kNotFound);
  s.Set(-4, ChatBehavior::kMigrate, -1004);
  EXPECT_FALSE(s.Check(5));
  EXPECT_EQ(s.Check(1)->Body(),
            R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  EXPECT_EQ(s.Check(2)->description, "Forbidden: user is deactivated");
  EXPECT_EQ(s.Check(3)->status, 400u);
  EXPECT_EQ(s.Check(3)->description, "Bad Request: chat not found");
  EXPECT_EQ(
      s.Check(-4)->Body(),
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat",)"
      R"("parameters":{"migrate_to_chat_id":-1004}})");
  s.Set(1, ChatBehavior::kOk);
  EXPECT_FALSE(s.Check(1));
}

TEST(ChatScript, UserBlockAndUnblock) {
  ChatScript s;
  s.SetBlockedByUser(9, true);
  EXPECT_TRUE(s.IsBlocked(9));
  EXPECT_EQ(s.Check(9)->status, 403u);
  s.SetBlockedByUser(9, false);
  EXPECT_FALSE(s.Check(9));
}

TEST(ChatScript, FaultsAreConsumedInOrder) {
  ChatScript s;
  s.InjectStatus(500, 1);
  s.InjectStatus(502, 2);
  s.InjectDrop(1);
  auto f = s.TakeFault();
  EXPECT_EQ(f->Body(), R"({"ok":false,"error_code":500,"description":"Internal Server Error"})");
  f = s.TakeFault();
  EXPECT_EQ(f->status, 502u);
  EXPECT_TRUE(f->raw);
  EXPECT_NE(f->raw_body.find("502 Bad Gateway"), std::string::npos);
  EXPECT_EQ(s.TakeFault()->status, 502u);
  EXPECT_TRUE(s.TakeFault()->drop);
  EXPECT_FALSE(s.TakeFault());
}

TEST(ChatScript, ParseBehavior) {
  EXPECT_EQ(*ParseChatBehavior("migrate"), ChatBehavior::kMigrate);
  EXPECT_FALSE(ParseChatBehavior("nope").ok());
}

TEST(BotReply, TooManyRequestsShape) {
  auto r = BotReply::TooManyRequests(7);
  EXPECT_EQ(
      r.Body(),
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})");
  EXPECT_EQ(r.RetryAfter(), 7);
  EXPECT_EQ(BotReply::Ok(true, "Webhook was set").Body(),
            R"({"ok":true,"result":true,"description":"Webhook was set"})");
}

}  // namespace
}  // namespace tgate::emulator
