#include "dispatch/rate_governor.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;

RateGovernorOptions Options() {
  RateGovernorOptions o;
  o.ceiling = 30;
  return o;
}

TEST(RateGovernor, ManyFromOneChatIsThatChatsProblem) {
  FakeClock clock;
  RateGovernor g(Options());
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(g.On429(5, clock.Now()));
    clock.Advance(100ms);
  }
  EXPECT_EQ(g.rate(), 30);
}

TEST(RateGovernor, ThreeChatsWithinTenSecondsCutTheRate) {
  FakeClock clock;
  RateGovernor g(Options());
  EXPECT_FALSE(g.On429(1, clock.Now()));
  clock.Advance(4s);
  EXPECT_FALSE(g.On429(2, clock.Now()));
  EXPECT_FALSE(g.On429(2, clock.Now()));
  clock.Advance(4s);
  EXPECT_TRUE(g.On429(3, clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 21);
  // The count starts over after a cut.
  EXPECT_FALSE(g.On429(4, clock.Now()));
}

TEST(RateGovernor, OldFourTwentyNinesDoNotCount) {
  FakeClock clock;
  RateGovernor g(Options());
  g.On429(1, clock.Now());
  clock.Advance(6s);
  g.On429(2, clock.Now());
  clock.Advance(5s);  // the first is now 11 s old
  EXPECT_FALSE(g.On429(3, clock.Now()));
  EXPECT_EQ(g.rate(), 30);
}

TEST(RateGovernor, NeverBelowTheFloor) {
  FakeClock clock;
  RateGovernor g(Options());
  for (int round = 0; round < 40; ++round) {
    for (int chat = 0; chat < 3; ++chat) g.On429(round * 3 + chat, clock.Now());
    clock.Advance(1s);
  }
  EXPECT_DOUBLE_EQ(g.rate(), 1);
}

TEST(RateGovernor, RecoversFivePercentOfTheCeilingPerQuietTenSeconds) {
  FakeClock clock;
  RateGovernor g(Options());
  for (int chat = 0; chat < 3; ++chat) g.On429(chat, clock.Now());
  ASSERT_DOUBLE_EQ(g.rate(), 21);
  clock.Advance(9s);
  EXPECT_FALSE(g.Tick(clock.Now()));
  EXPECT_EQ(g.NextTick(), clock.Now() + 1s);
  clock.Advance(1s);
  EXPECT_TRUE(g.Tick(clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 22.5);
  EXPECT_FALSE(g.Tick(clock.Now())) << "one step per quiet period";
  // A single-chat 429 is not a cut but it does restart the quiet period.
  clock.Advance(5s);
  g.On429(7, clock.Now());
  clock.Advance(9s);
  EXPECT_FALSE(g.Tick(clock.Now()));
  clock.Advance(1s);
  EXPECT_TRUE(g.Tick(clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 24);
  for (int i = 0; i < 10; ++i) {
    clock.Advance(10s);
    g.Tick(clock.Now());
  }
  EXPECT_DOUBLE_EQ(g.rate(), 30) << "back at the ceiling, never above";
  EXPECT_EQ(g.NextTick(), SteadyTime::max());
}

}  // namespace
}  // namespace tgate::dispatch
