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
    EXPECT_FALSE(g.On429(5, clock.Now(), clock.Now()));
    clock.Advance(100ms);
  }
  EXPECT_EQ(g.rate(), 30);
}

TEST(RateGovernor, ThreeChatsWithinTenSecondsCutTheRate) {
  FakeClock clock;
  RateGovernor g(Options());
  EXPECT_FALSE(g.On429(1, clock.Now(), clock.Now()));
  clock.Advance(4s);
  EXPECT_FALSE(g.On429(2, clock.Now(), clock.Now()));
  EXPECT_FALSE(g.On429(2, clock.Now(), clock.Now()));
  clock.Advance(4s);
  EXPECT_TRUE(g.On429(3, clock.Now(), clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 21);
  // The count starts over after a cut.
  EXPECT_FALSE(g.On429(4, clock.Now(), clock.Now()));
}

TEST(RateGovernor, OneCutPerEpisodeWhatWasInFlightAtTheCutDoesNotCutAgain) {
  FakeClock clock;
  RateGovernor g(Options());
  const SteadyTime burst_sent = clock.Now();
  clock.Advance(200ms);
  for (int chat = 0; chat < 3; ++chat) g.On429(chat, burst_sent, clock.Now());
  ASSERT_DOUBLE_EQ(g.rate(), 21);
  // More answers to the same burst, read a moment later: sent before the cut.
  clock.Advance(50ms);
  for (int chat = 3; chat < 9; ++chat) EXPECT_FALSE(g.On429(chat, burst_sent, clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 21) << "a second cut for the same episode";
  EXPECT_EQ(g.NextTick(), clock.Now() - 50ms + 10s) << "they do not restart the quiet period either";
  // 429s to sends made after the cut are news: the lowered rate is still too high.
  clock.Advance(1s);
  for (int chat = 10; chat < 12; ++chat) EXPECT_FALSE(g.On429(chat, clock.Now() - 100ms, clock.Now()));
  EXPECT_TRUE(g.On429(12, clock.Now() - 100ms, clock.Now()));
  EXPECT_DOUBLE_EQ(g.rate(), 14.7);
}

TEST(RateGovernor, OldFourTwentyNinesDoNotCount) {
  FakeClock clock;
  RateGovernor g(Options());
  g.On429(1, clock.Now(), clock.Now());
  clock.Advance(6s);
  g.On429(2, clock.Now(), clock.Now());
  clock.Advance(5s);  // the first is now 11 s old
  EXPECT_FALSE(g.On429(3, clock.Now(), clock.Now()));
  EXPECT_EQ(g.rate(), 30);
}

TEST(RateGovernor, NeverBelowTheFloor) {
  FakeClock clock;
  RateGovernor g(Options());
  for (int round = 0; round < 40; ++round) {
    for (int chat = 0; chat < 3; ++chat) g.On429(round * 3 + chat, clock.Now(), clock.Now());
    clock.Advance(1s);
  }
  EXPECT_DOUBLE_EQ(g.rate(), 1);
}

TEST(RateGovernor, RecoversFivePercentOfTheCeilingPerQuietTenSeconds) {
  FakeClock clock;
  RateGovernor g(Options());
  for (int chat = 0; chat < 3; ++chat) g.On429(chat, clock.Now(), clock.Now());
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
  g.On429(7, clock.Now(), clock.Now());
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
