// The site API's side of a Bot API outage and of message deadlines: GET
// /readyz says which bot cannot reach Telegram (503) and needs no key;
// "ttl_seconds" in POST /v1/messages and /v1/broadcasts becomes the stored
// deadline, and bad values are refused with a clear 400/422 that stores nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/router.h"
#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::api {
namespace {

using store::testing::Await;

namespace json = boost::json;
using boost::beast::http::verb;

constexpr char kOutageKey[] = "test-key";

class RouterOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.api_key = kOutageKey;
    config_.max_queue_age_seconds = 3600;
    config::BotConfig bot;
    bot.token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx";
    config_.bots.push_back(bot);
    config::BotConfig other;
    other.name = "news";
    other.token = "654321:TEST_fake_token_for_tests_only_yyyyyyyy";
    config_.bots.push_back(other);
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    linker_ = std::make_unique<link::Linker>(*store_, clock_);
    context_ = std::make_unique<ApiContext>(
        ApiContext{config_, *store_, *store_, *store_, *linker_, clock_, metrics_, {}});
    context_->bots["default"] =
        BotHandle{&config_.bots[0], "test_bot", [] {}, {}, [this] { return outage_; }, ""};
    context_->bots["news"] = BotHandle{&config_.bots[1], "news_bot", [] {}, {}, [] { return false; }, ""};
    receiver_ = std::make_unique<webhook::UpdateReceiver>(*store_, metrics_, std::vector<webhook::HookBot>{});
    router_ = std::make_unique<Router>(*context_, *receiver_);
  }

  unsigned Call(verb method, const std::string& target, const std::string& body = "", bool auth = true) {
    http::Request req{method, target, 11};
    if (auth) req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kOutageKey);
    req.body() = body;
    req.prepare_payload();
    last_ = Await(router_->Handle(req));
    return last_.result_int();
  }
  json::object Json() { return json::parse(last_.body()).as_object(); }
  int64_t NowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  }

  FakeClock clock_;
  Metrics metrics_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<webhook::UpdateReceiver> receiver_;
  std::unique_ptr<Router> router_;
  http::Response last_;
  bool outage_ = false;
};

TEST_F(RouterOutageTest, ReadyzNamesTheBotsThatCannotReachTelegram) {
  EXPECT_EQ(Call(verb::get, "/readyz", "", false), 200u);
  EXPECT_EQ(Json().at("status").as_string(), "ready");
  outage_ = true;
  EXPECT_EQ(Call(verb::get, "/readyz", "", false), 503u);
  EXPECT_EQ(Json().at("status").as_string(), "not_ready");
  EXPECT_TRUE(Json().at("bots").as_object().contains("default"));
  EXPECT_FALSE(Json().at("bots").as_object().contains("news"));
  EXPECT_EQ(Json().at("bots_in_outage"), json::array{"default"});
  EXPECT_EQ(Call(verb::get, "/healthz", "", false), 200u) << "alive, and still accepting messages";
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"chat_id":5,"text":"waits"})"), 202u);
}

TEST_F(RouterOutageTest, TtlSecondsBecomesTheMessagesDeadline) {
  ASSERT_EQ(Call(verb::post, "/v1/messages", R"({"chat_id":5,"text":"code 1234","ttl_seconds":300})"), 202u);
  auto m = Await(store_->GetMessage(Json().at("id").as_int64()));
  ASSERT_OK(m);
  EXPECT_EQ(m->expires_at_ms, NowMs() + 300000);
  ASSERT_EQ(Call(verb::post, "/v1/messages", R"({"chat_id":5,"text":"no deadline"})"), 202u);
  EXPECT_EQ(Await(store_->GetMessage(Json().at("id").as_int64()))->expires_at_ms, 0);
}

TEST_F(RouterOutageTest, BadTtlSecondsAreRefusedAndStoreNothing) {
  for (const char* bad : {"0", "-5", "1.5", "\"300\"", "true"}) {
    EXPECT_EQ(Call(verb::post, "/v1/messages",
                   std::string(R"({"chat_id":5,"text":"x","ttl_seconds":)") + bad + "}"),
              400u)
        << bad;
    EXPECT_NE(last_.body().find("ttl_seconds"), std::string::npos) << last_.body();
  }
  // Longer than the bot keeps any message (max_queue_age_seconds = 3600).
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"chat_id":5,"text":"x","ttl_seconds":3601})"), 422u);
  EXPECT_NE(last_.body().find("max_queue_age_seconds"), std::string::npos) << last_.body();
  EXPECT_EQ(*Await(store_->PendingMessages("default")), 0);
}

TEST_F(RouterOutageTest, ABroadcastsTtlIsTheDeadlineOfEachOfItsMessages) {
  ASSERT_OK(Await(store_->Bind({"default", "u1", 11, store::UserStatus::kActive, 0})));
  ASSERT_OK(Await(store_->Bind({"default", "u2", 12, store::UserStatus::kActive, 0})));
  ASSERT_EQ(
      Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"sale ends at noon","ttl_seconds":600})"),
      202u);
  const int64_t broadcast = Json().at("id").as_int64();
  auto queued = Await(store_->LoadBroadcastQueued("default", broadcast, 0, INT64_MAX, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 2u);
  for (const auto& m : *queued) EXPECT_EQ(m.expires_at_ms, NowMs() + 600000);
  EXPECT_EQ(Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"x","ttl_seconds":0})"), 400u);
  EXPECT_EQ(
      Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"x","ttl_seconds":60,"spread_seconds":600})"),
      422u);
  EXPECT_NE(last_.body().find("spread_seconds"), std::string::npos);
}

}  // namespace
}  // namespace tgate::api
