#include "telegram/redact.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace tgate::telegram {
namespace {

constexpr std::string_view kRedactedToken = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

TEST(RedactTokens, MasksTokenInBotApiUrl) {
  EXPECT_EQ(RedactTokens(
                "POST https://api.telegram.org/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"),
            "POST https://api.telegram.org/bot110201543:***/sendMessage");
  EXPECT_EQ(RedactTokens("/file/bot123456:TEST-token-not-real-xxxxxxxxxx/photos/1.jpg"),
            "/file/bot123456:***/photos/1.jpg");
}

TEST(RedactTokens, MasksBareTokenInJsonAndAtEdges) {
  EXPECT_EQ(RedactTokens(R"({"token":"110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw","x":1})"),
            R"({"token":"110201543:***","x":1})");
  EXPECT_EQ(RedactTokens(kRedactedToken), "110201543:***");
  std::string with_bang(kRedactedToken);
  with_bang.push_back('!');
  EXPECT_EQ(RedactTokens(with_bang), "110201543:***!");
}

TEST(RedactTokens, MasksEveryToken) {
  std::string two = "a=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11 b=bot987654321:QQQQQQQQQQQQQQQQQQQQQQQQ_";
  EXPECT_EQ(RedactTokens(two), "a=123456:*** b=bot987654321:***");
}

TEST(RedactTokens, LeavesOrdinaryTextAlone) {
  for (std::string_view s :
       {"meeting at 12:30", "chat 123456789", "chat_id=-1001234567890", "ratio 123456:789",
        "id 123456:short_secret", "ipv6 2001:db8::1", "", "no digits here",
        "12345678901234567:AAAAAAAAAAAAAAAAAAAAAAAAA" /* 17-digit id */,
        "1234:AAAAAAAAAAAAAAAAAAAAAAAAA" /* 4-digit id */}) {
    EXPECT_EQ(RedactTokens(s), s);
  }
}

TEST(RedactTokens, HandlesLongInputsWithManyDigits) {
  std::string big(100000, '7');
  big += ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(RedactTokens(big), big);  // the id is far longer than 16 digits
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "12345:" + std::string(25, 'x') + " ";
  std::string out = RedactTokens(many);
  EXPECT_EQ(out.find('x'), std::string::npos);
}

TEST(InstallLogRedaction, DefaultLoggerOutputIsRedactedAndKeepsPatternAndLevel) {
  auto previous = spdlog::default_logger();
  std::ostringstream os;
  auto logger =
      std::make_shared<spdlog::logger>("redact_test", std::make_shared<spdlog::sinks::ostream_sink_mt>(os));
  logger->set_pattern("[%l] %v");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  InstallLogRedaction();
  InstallLogRedaction();  // idempotent: no double wrapping
  EXPECT_EQ(logger->sinks().size(), 1u);
  spdlog::info("calling https://api.telegram.org/bot{}/getMe", kRedactedToken);
  spdlog::debug("hidden {}", kRedactedToken);  // below the level
  spdlog::warn("plain line without tokens");
  spdlog::set_pattern("<%v>");
  spdlog::info("after {}", kRedactedToken);

  EXPECT_EQ(os.str(),
            "[info] calling https://api.telegram.org/bot110201543:***/getMe\n"
            "[warning] plain line without tokens\n"
            "<after 110201543:***>\n");
  spdlog::set_default_logger(previous);
  spdlog::drop("redact_test");
}

}  // namespace
}  // namespace tgate::telegram
