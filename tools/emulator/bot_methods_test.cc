#include "tools/emulator/bot_methods.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/fake_clock.h"

namespace tgate::emulator {
namespace {

using namespace std::chrono_literals;

class BotMethodsTest : public ::testing::Test {
 protected:
  BotReply Send(std::initializer_list<std::pair<std::string, std::string>> kv) {
    Params p;
    for (const auto& [k, v] : kv) p.Set(k, v);
    return SendMessage(state_, p, 123456, CallTime{clock_.Now(), 1767225600123});
  }
  static std::string Description(const BotReply& r) { return r.description; }

  FakeClock clock_;
  BotState state_{LimitOptions{}, "tgate_sandbox_bot", 1000ms};
};

TEST_F(BotMethodsTest, SendMessageReturnsTheMessageAndRecordsIt) {
  auto r = Send({{"chat_id", "42"}, {"text", "<b>Hi</b> there"}, {"parse_mode", "HTML"}});
  ASSERT_TRUE(r.ok()) << r.Body();
  const auto& m = r.result.as_object();
  EXPECT_EQ(m.at("message_id").as_int64(), 1);
  EXPECT_EQ(m.at("date").as_int64(), 1767225600);
  EXPECT_EQ(m.at("text").as_string(), "Hi there");
  EXPECT_EQ(m.at("chat").at("type").as_string(), "private");
  EXPECT_EQ(m.at("chat").at("id").as_int64(), 42);
  EXPECT_EQ(m.at("from").at("id").as_int64(), 123456);
  EXPECT_TRUE(m.at("from").at("is_bot").as_bool());
  ASSERT_EQ(state_.sent.size(), 1u);
  EXPECT_EQ(state_.sent[0].text, "<b>Hi</b> there");
  EXPECT_EQ(state_.sent[0].parse_mode, "HTML");
  EXPECT_EQ(state_.sent[0].t_ms, 1767225600123);
  EXPECT_FALSE(state_.sent[0].paid);
  EXPECT_EQ(state_.stats.accepted, 1);

  clock_.Advance(1s);
  r = Send({{"chat_id", "42"}, {"text", "again"}});
  EXPECT_EQ(r.result.at("message_id").as_int64(), 2);  // per-chat counter
  r = Send({{"chat_id", "-100777"}, {"text", "group"}});
  EXPECT_EQ(r.result.at("message_id").as_int64(), 1);
  EXPECT_EQ(r.result.at("chat").at("type").as_string(), "supergroup");
}

TEST_F(BotMethodsTest, SendMessageValidationTexts) {
  EXPECT_EQ(Description(Send({{"chat_id", "1"}})), "Bad Request: message text is empty");
  EXPECT_EQ(Description(Send({{"text", "x"}})), "Bad Request: chat_id is empty");
  EXPECT_EQ(Description(Send({{"chat_id", "@somebody"}, {"text", "x"}})), "Bad Request: chat not found");
  EXPECT_EQ(Description(Send({{"chat_id", "1"}, {"text", "x"}, {"parse_mode", "BBCode"}})),
            "Bad Request: unsupported parse_mode");
  EXPECT_EQ(Send({{"chat_id", "1"}, {"text", "x"}, {"parse_mode", "html"}}).status,
            200u);  // case-insensitive
  clock_.Advance(1s);
  auto bad = Send({{"chat_id", "1"}, {"text", "<b>x"}, {"parse_mode", "HTML"}});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.description.rfind("Bad Request: can't parse entities: ", 0), 0u) << bad.description;
  EXPECT_EQ(Description(Send({{"chat_id", "1"}, {"text", "<b></b>"}, {"parse_mode", "HTML"}})),
            "Bad Request: message text is empty");
}

TEST_F(BotMethodsTest, LengthIsCountedInCodePointsAfterParsing) {
  std::string emoji = "\xF0\x9F\x98\x80";  // one code point, two UTF-16 units
  std::string ok;
  for (int i = 0; i < 4096; ++i) ok += emoji;
  EXPECT_EQ(Send({{"chat_id", "1"}, {"text", ok}}).status, 200u);
  clock_.Advance(1s);
  EXPECT_EQ(Description(Send({{"chat_id", "1"}, {"text", ok + "a"}})), "Bad Request: message is too long");
  // 4096 visible characters wrapped in markup are fine...
  std::string plain(4096, 'a');
  EXPECT_EQ(Send({{"chat_id", "1"}, {"text", "<b>" + plain + "</b>"}, {"parse_mode", "HTML"}}).status, 200u);
  // ...but raw text over 32768 bytes is refused before parsing.
  EXPECT_EQ(Description(Send({{"chat_id", "1"}, {"text", std::string(32769, 'a')}})),
            "Bad Request: text is too long");
}

TEST_F(BotMethodsTest, ScriptedChatsComeBeforeFaultsAndLimits) {
  state_.script.Set(5, ChatBehavior::kBlocked);
  state_.script.InjectStatus(500, 1);
  EXPECT_EQ(Description(Send({{"chat_id", "5"}, {"text", "x"}})), "Forbidden: bot was blocked by the user");
  auto fault = Send({{"chat_id", "6"}, {"text", "x"}});
  EXPECT_EQ(fault.status, 500u);
  EXPECT_EQ(state_.stats.faults, 1);
  EXPECT_EQ(Send({{"chat_id", "6"}, {"text", "x"}}).status, 200u);
  auto limited = Send({{"chat_id", "6"}, {"text", "x"}});
  EXPECT_EQ(
      limited.Body(),
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})");
  EXPECT_EQ(state_.stats.rate_limited, 1);
  EXPECT_EQ(state_.sent.size(), 1u);
}

TEST_F(BotMethodsTest, PaidFlagUsesThePaidWindow) {
  BotState state{LimitOptions{.global_per_sec = 1}, "bot", 1000ms};
  Params p;
  p.Set("text", "x");
  for (int i = 1; i <= 3; ++i) {
    p.Set("chat_id", std::to_string(i));
    p.Set("allow_paid_broadcast", "true");
    EXPECT_EQ(SendMessage(state, p, 1, CallTime{clock_.Now(), 0}).status, 200u);
  }
  EXPECT_TRUE(state.sent.back().paid);
}

TEST_F(BotMethodsTest, GetMe) {
  auto r = GetMe(state_, 987);
  EXPECT_EQ(boost::json::serialize(r.result),
            R"({"id":987,"is_bot":true,"first_name":"tgate sandbox","username":"tgate_sandbox_bot",)"
            R"("can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false})");
}

TEST_F(BotMethodsTest, SetWebhookValidatesAndClamps) {
  Params p;
  p.Set("url", "http://127.0.0.1:9/hook");
  p.Set("secret_token", "bad secret!");
  EXPECT_EQ(SetWebhook(state_, p).description, "Bad Request: secret token contains unallowed characters");
  p.Set("secret_token", std::string(257, 'a'));
  EXPECT_EQ(SetWebhook(state_, p).description, "Bad Request: secret token is too long");
  p.Set("secret_token", "ok_Secret-1");
  p.Set("max_connections", "1000");
  p.Set("allowed_updates", R"(["message","my_chat_member"])");
  p.Set("certificate", ParamValue{"PEM", true, "cert.pem"});
  auto r = SetWebhook(state_, p);
  EXPECT_EQ(r.Body(), R"({"ok":true,"result":true,"description":"Webhook was set"})");
  EXPECT_EQ(SetWebhook(state_, p).description, "Webhook is already set");
  auto info = GetWebhookInfo(state_).result.as_object();
  EXPECT_EQ(info.at("url").as_string(), "http://127.0.0.1:9/hook");
  EXPECT_EQ(info.at("max_connections").as_int64(), 100);
  EXPECT_TRUE(info.at("has_custom_certificate").as_bool());
  EXPECT_EQ(info.at("allowed_updates").as_array().size(), 2u);
  EXPECT_FALSE(info.contains("last_error_date"));

  Params del;
  EXPECT_EQ(DeleteWebhook(state_, del).description, "Webhook was deleted");
  EXPECT_EQ(DeleteWebhook(state_, del).description, "Webhook is already deleted");
  Params empty_url;
  empty_url.Set("url", "");
  EXPECT_EQ(SetWebhook(state_, empty_url).description, "Webhook is already deleted");
}

TEST_F(BotMethodsTest, AllowedUpdatesFilterNewUpdates) {
  EXPECT_TRUE(state_.Allowed("my_chat_member"));
  EXPECT_FALSE(state_.Allowed("chat_member"));
  EXPECT_GT(state_.Enqueue(1, "message", boost::json::object{}), 0);
  state_.allowed_updates = std::vector<std::string>{"message"};
  EXPECT_EQ(state_.Enqueue(1, "my_chat_member", boost::json::object{}), 0);
  EXPECT_EQ(state_.updates.pending(), 1u);
}

TEST_F(BotMethodsTest, SetMyCommandsValidation) {
  Params p;
  p.Set("commands", R"([{"command":"start","description":"Start"},{"command":"/help","description":"H"}])");
  EXPECT_TRUE(SetMyCommands(state_, p).ok());
  EXPECT_EQ(boost::json::serialize(GetMyCommands(state_).result),
            R"([{"command":"start","description":"Start"},{"command":"help","description":"H"}])");
  p.Set("commands", R"([{"command":"Start","description":"x"}])");
  EXPECT_EQ(SetMyCommands(state_, p).status, 400u);
  p.Set("commands", R"([{"command":")" + std::string(33, 'a') + R"(","description":"x"}])");
  EXPECT_EQ(SetMyCommands(state_, p).description, "Bad Request: command length must not exceed 32");
  p.Set("commands", R"([{"command":"a","description":""}])");
  EXPECT_EQ(SetMyCommands(state_, p).description, "Bad Request: command description must be non-empty");
  boost::json::array many;
  for (int i = 0; i < 101; ++i) many.push_back({{"command", "c" + std::to_string(i)}, {"description", "d"}});
  p.Set("commands", boost::json::serialize(many));
  EXPECT_EQ(SetMyCommands(state_, p).status, 400u);
}

}  // namespace
}  // namespace tgate::emulator
