#include "link/linker.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "link/link_token.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::link {
namespace {

using store::testing::Await;

class LinkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
  }
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST(LinkToken, IsLongUrlSafeAndNeverAReferral) {
  for (int i = 0; i < 2000; ++i) {
    std::string t = NewLinkToken();
    ASSERT_EQ(t.size(), 43u);
    ASSERT_LE(t.size(), 64u);
    ASSERT_NE(t.rfind("_tgr_", 0), 0u);
    ASSERT_TRUE(LooksLikeLinkToken(t));
  }
  EXPECT_FALSE(LooksLikeLinkToken("short"));
  EXPECT_FALSE(LooksLikeLinkToken(std::string(43, '!')));
}

TEST_F(LinkerTest, IssueGivesUrlAndStartCommand) {
  Linker linker(*store_, clock_);
  auto l = Await(linker.Issue("default", "my_bot", "42", 900));
  ASSERT_OK(l);
  EXPECT_EQ(l->url, "https://t.me/my_bot?start=" + l->token);
  EXPECT_EQ(l->start_command, "/start " + l->token);
  EXPECT_EQ(l->expires_at, clock_.UnixSeconds() + 900);
}

TEST_F(LinkerTest, RedeemBindsOnce) {
  Linker linker(*store_, clock_);
  auto l = Await(linker.Issue("default", "my_bot", "42", 900));
  ASSERT_OK(l);
  auto r = Await(linker.Redeem(*store_, "default", l->token, 1001));
  ASSERT_OK(r);
  EXPECT_EQ(r->result, RedeemResult::kLinked);
  EXPECT_EQ(r->user, "42");
  auto b = Await(store_->GetBinding("default", "42"));
  ASSERT_OK(b);
  EXPECT_EQ(b->chat_id, 1001);

  auto again = Await(linker.Redeem(*store_, "default", l->token, 2002));
  ASSERT_OK(again);
  EXPECT_EQ(again->result, RedeemResult::kInvalid);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
}

TEST_F(LinkerTest, ExpiredTokenBindsNothing) {
  Linker linker(*store_, clock_);
  auto l = Await(linker.Issue("default", "my_bot", "42", 60));
  ASSERT_OK(l);
  clock_.Advance(std::chrono::seconds(61));
  auto r = Await(linker.Redeem(*store_, "default", l->token, 1001));
  ASSERT_OK(r);
  EXPECT_EQ(r->result, RedeemResult::kExpired);
  EXPECT_TRUE(Await(store_->GetBinding("default", "42")).status().IsNotFound());
}

TEST_F(LinkerTest, UnknownOrMalformedTokenBindsNothing) {
  Linker linker(*store_, clock_);
  EXPECT_EQ(Await(linker.Redeem(*store_, "default", NewLinkToken(), 1))->result, RedeemResult::kInvalid);
  EXPECT_EQ(Await(linker.Redeem(*store_, "default", "hello", 1))->result, RedeemResult::kInvalid);
}

TEST_F(LinkerTest, TokenOfAnotherBotIsNotConsumed) {
  Linker linker(*store_, clock_);
  auto l = Await(linker.Issue("shop", "shop_bot", "7", 900));
  ASSERT_OK(l);
  EXPECT_EQ(Await(linker.Redeem(*store_, "news", l->token, 5))->result, RedeemResult::kInvalid);
  EXPECT_EQ(Await(linker.Redeem(*store_, "shop", l->token, 5))->result, RedeemResult::kLinked);
}

TEST_F(LinkerTest, RelinkingReplacesTheOldBinding) {
  Linker linker(*store_, clock_);
  auto a = Await(linker.Issue("default", "b", "42", 900));
  ASSERT_OK(Await(linker.Redeem(*store_, "default", a->token, 1001)));
  auto b = Await(linker.Issue("default", "b", "42", 900));
  ASSERT_OK(Await(linker.Redeem(*store_, "default", b->token, 3003)));
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 3003);
  EXPECT_TRUE(Await(store_->GetBindingByChat("default", 1001)).status().IsNotFound());
}

}  // namespace
}  // namespace tgate::link
