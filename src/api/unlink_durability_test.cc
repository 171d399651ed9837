// DELETE /v1/users/<id> when the store cannot commit: the user stays linked
// and no user.unlinked event is written (both or neither), the site gets an
// error it can retry, and the retry unlinks with exactly one event.
#include <gtest/gtest.h>

#include "api/router.h"
#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/faulty_store_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::api {
namespace {

using store::testing::Await;

using boost::beast::http::verb;

constexpr char kUnlinkKey[] = "test-key";

class UnlinkDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.api_key = kUnlinkKey;
    config::BotConfig bot;
    bot.token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx";
    bot.webhook_path = "hookpath";
    config_.bots.push_back(bot);
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    linker_ = std::make_unique<link::Linker>(*faulty_, clock_);
    context_ = std::make_unique<ApiContext>(
        ApiContext{config_, *faulty_, *faulty_, *faulty_, *linker_, clock_, metrics_, {}});
    context_->bots["default"] = BotHandle{&config_.bots[0], "test_bot", {}};
    receiver_ =
        std::make_unique<webhook::UpdateReceiver>(*faulty_, metrics_, std::vector<webhook::HookBot>{});
    router_ = std::make_unique<Router>(*context_, *receiver_);
  }
  int Call(verb method, const std::string& target) {
    http::Request req{method, target, 11};
    req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kUnlinkKey);
    req.prepare_payload();
    return Await(router_->Handle(req)).result_int();
  }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    auto due = Await(store_->DueEvents(INT64_MAX, 10));  // held: a range-for over *temporary would dangle
    EXPECT_OK(due);
    if (due.ok())
      for (const auto& e : *due) out.push_back(e.payload);
    return out;
  }

  config::Config config_;
  FakeClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<webhook::UpdateReceiver> receiver_;
  std::unique_ptr<Router> router_;
};

TEST_F(UnlinkDurabilityTest, AFailedCommitLeavesTheUserLinkedAndWritesNoEvent) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 1001, store::UserStatus::kActive, 1})));
  faulty_->FailNextCommits(Status::Unavailable("sqlite step: database is locked"));
  EXPECT_EQ(Call(verb::delete_, "/v1/users/42"), 503);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
  EXPECT_TRUE(Events().empty());

  EXPECT_EQ(Call(verb::delete_, "/v1/users/42"), 204);
  EXPECT_TRUE(Await(store_->GetBinding("default", "42")).status().IsNotFound());
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find(R"("type":"user.unlinked")"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find(R"("chat_id":1001)"), std::string::npos) << events[0];
  EXPECT_EQ(Call(verb::delete_, "/v1/users/42"), 404);
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(UnlinkDurabilityTest, AnyStoreErrorIsAnErrorNotASilentSuccess) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 1001, store::UserStatus::kActive, 1})));
  faulty_->FailNext("Unlink", Status::Internal("disk I/O error"));
  EXPECT_EQ(Call(verb::delete_, "/v1/users/42"), 500);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
  EXPECT_TRUE(Events().empty());
}

}  // namespace
}  // namespace tgate::api
