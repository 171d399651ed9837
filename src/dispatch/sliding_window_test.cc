#include "dispatch/sliding_window.h"

#include <gtest/gtest.h>

#include "dispatch/pacer.h"

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;

TEST(SlidingWindow, SecondMessageToSameChatWaitsOneSecond) {
  SteadyTime t0{10s};
  SlidingWindow w(1, 1s);
  EXPECT_EQ(w.NextAllowed(t0), t0);
  w.Record(t0);
  EXPECT_EQ(w.NextAllowed(t0 + 300ms), t0 + 1s);
  EXPECT_FALSE(w.Idle(t0 + 999ms));
  EXPECT_TRUE(w.Idle(t0 + 1s));
}

TEST(SlidingWindow, TwentyPerMinuteThenWaitForTheOldest) {
  SteadyTime t0{10s};
  SlidingWindow w(20, 60s);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(w.NextAllowed(t0 + i * 1s), t0 + i * 1s);
    w.Record(t0 + i * 1s);
  }
  EXPECT_EQ(w.NextAllowed(t0 + 20s), t0 + 60s);
  w.Record(t0 + 60s);
  EXPECT_EQ(w.NextAllowed(t0 + 60s), t0 + 61s);
}

TEST(SlidingWindow, NeverMoreThanNInAnyWindow) {
  SlidingWindow w(30, 1s);
  std::vector<SteadyTime> events;
  SteadyTime now{1s};
  for (int i = 0; i < 1000; ++i) {
    now = w.NextAllowed(now + std::chrono::microseconds((i * 7919) % 20000));
    w.Record(now);
    events.push_back(now);
  }
  for (size_t i = 30; i < events.size(); ++i) EXPECT_GE(events[i] - events[i - 30], 1s) << i;
}

TEST(SlidingWindow, ResetKeepsRecentEvents) {
  SteadyTime t0{10s};
  SlidingWindow w(3, 1s);
  w.Record(t0);
  w.Record(t0 + 1ms);
  w.Record(t0 + 2ms);
  w.Reset(2, 1s);
  EXPECT_EQ(w.NextAllowed(t0 + 3ms), t0 + 1ms + 1s);
}

TEST(SlidingWindow, NextAllowedForWaitsUntilNEventsFit) {
  SlidingWindow w(3, 1s);
  SteadyTime t0{10s};
  w.Record(t0);
  w.Record(t0 + 100ms);
  EXPECT_EQ(w.NextAllowedFor(1, t0 + 200ms), t0 + 200ms);  // one slot is free
  EXPECT_EQ(w.NextAllowedFor(2, t0 + 200ms), t0 + 1s);     // the oldest must leave
  w.Record(t0 + 200ms);
  EXPECT_EQ(w.NextAllowedFor(3, t0 + 300ms), t0 + 200ms + 1s);  // all three
  EXPECT_EQ(w.NextAllowedFor(9, t0 + 300ms), t0 + 200ms + 1s);  // capped at the count
}

TEST(Pacer, BatchIsATicksWorth) {
  Pacer p(600, 2, 10ms);
  EXPECT_EQ(p.Batch(), 6);
  SteadyTime t{1s};
  for (int i = 0; i < 6; ++i) p.Record(t);  // an idle pacer's first batch
  t = p.WakeAt(6, t);
  for (int i = 0; i < 6; ++i) p.Record(t);
  // In step, each batch is due a tick after the last, not at the next slot...
  EXPECT_GE(p.WakeAt(6, t) - t, 9ms);
  EXPECT_LE(p.WakeAt(6, t) - t, 10ms);
  // ...and a smaller batch (fewer messages ready) sooner.
  EXPECT_LE(p.WakeAt(1, t) - t, 2ms);
  EXPECT_EQ(Pacer(30, 2, 10ms).Batch(), 1);  // slower than a tick: one at a time
}

TEST(Pacer, SpacesEventsEvenly) {
  Pacer p(100, 1);
  SteadyTime t{1s};
  for (int i = 0; i < 10; ++i) {
    t = p.NextAllowed(t);
    p.Record(t);
  }
  EXPECT_EQ(p.NextAllowed(SteadyTime{1s}), SteadyTime{1s} + 100ms);
}

TEST(Pacer, AnIdlePacerBanksNoBurst) {
  Pacer p(10, 2);
  p.Record(SteadyTime{1s});
  SteadyTime later{100s};
  // After a long idle period at most catch_up events go without spacing.
  int immediate = 0;
  for (int i = 0; i < 10; ++i) {
    if (p.NextAllowed(later) == later) ++immediate, p.Record(later);
  }
  EXPECT_EQ(immediate, 2);
}

TEST(Pacer, ATickLetsWhatFellDueWithinItGoTogether) {
  // 1000/s with a 5 ms tick: a loop that wakes every 5 ms sends 5 at once and
  // keeps the rate; after idleness no more than one tick's worth goes at once.
  Pacer p(1000, 2, 5ms);
  SteadyTime t{1s};
  p.Record(t);
  int sent = 1;
  for (int tick = 1; tick <= 200; ++tick) {
    SteadyTime now = t + tick * 5ms;
    while (p.NextAllowed(now) <= now) p.Record(now), ++sent;
  }
  // 1 s of ticks: the rate, plus at most the one tick of slack the first
  // send left behind it.
  EXPECT_GE(sent, 1001);
  EXPECT_LE(sent, 1006);
  SteadyTime later{100s};
  int immediate = 0;
  while (p.NextAllowed(later) <= later) p.Record(later), ++immediate;
  EXPECT_EQ(immediate, 6);  // the 5 ms of slack, plus the one due now
}

TEST(Pacer, RateCanBeLowered) {
  Pacer p(100, 1);
  p.SetRate(10);
  p.Record(SteadyTime{1s});
  EXPECT_EQ(p.NextAllowed(SteadyTime{1s}), SteadyTime{1s} + 100ms);
}

}  // namespace
}  // namespace tgate::dispatch
