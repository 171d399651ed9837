#include "telegram/bot_token.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::telegram {
namespace {

TEST(ValidateBotToken, AcceptsRealShapesAndTheDocumentedTestToken) {
  EXPECT_OK(ValidateBotToken("110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"));  // BotFather's example
  EXPECT_OK(ValidateBotToken("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"));     // API docs' example
  EXPECT_OK(ValidateBotToken("123456:TEST_fake_token_for_tests_only_xxxxxxxx"));
  EXPECT_OK(ValidateBotToken("1234567890123456:" + std::string(64, 'a')));
}

TEST(ValidateBotToken, RejectsOtherShapesWithoutEchoingTheToken) {
  for (std::string_view t : {"", "abc", "123456", ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                             "0123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",            // leading zero
                             "12a456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",             // non-digit id
                             "12345678901234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  // 17-digit id
                             "123456:TEST-token-not-real",                            // secret too short
                             "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x",           // '/'
                             "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PAL saw",             // space
                             " 123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"}) {
    Status s = ValidateBotToken(t);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << t;
    EXPECT_EQ(s.message(), "bot token has an invalid shape; expected <id>:<secret> as given by @BotFather");
  }
  EXPECT_FALSE(ValidateBotToken("123456:" + std::string(65, 'a')).ok());
}

TEST(RedactedBotToken, KeepsOnlyTheId) {
  EXPECT_EQ(RedactedBotToken("110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), "bot110201543:***");
  EXPECT_EQ(RedactedBotToken("garbage"), "bot:***");
}

}  // namespace
}  // namespace tgate::telegram
