#include "dispatch/rtt_spread.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;
using Duration = RttSpread::Duration;

TEST(RttSpread, NoSpreadWithoutTwoSamples) {
  RttSpread s;
  SteadyTime t{10s};
  EXPECT_EQ(s.Spread(t), 0ms);
  s.Add(120ms, t);
  EXPECT_EQ(s.Spread(t), 0ms);
}

TEST(RttSpread, SteadyRoundTripsHaveNoSpread) {
  RttSpread s;
  SteadyTime t{10s};
  for (int i = 0; i < 1000; ++i) s.Add(200ms, t + i * 10ms);
  EXPECT_EQ(s.Spread(t + 10s), 0ms);
}

TEST(RttSpread, FewSamplesAreStretchedToTheWidthTheyLikelyCameFrom) {
  RttSpread s;
  SteadyTime t{10s};
  s.Add(100ms, t);
  s.Add(110ms, t);
  EXPECT_EQ(s.Spread(t), 30ms);  // 10 ms x (2 + 1) / (2 - 1)
  s.Add(105ms, t);
  EXPECT_EQ(s.Spread(t), 20ms);  // 10 ms x 4 / 2
}

TEST(RttSpread, UniformLatencyOf50To200MsSpreadsBy150Ms) {
  RttSpread s;
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> us(50000, 200000);
  SteadyTime t{10s};
  for (int i = 0; i < 2000; ++i) s.Add(std::chrono::microseconds(us(rng)), t += 33ms);
  Duration spread = s.Spread(t);
  EXPECT_GE(spread, 149ms);
  EXPECT_LE(spread, 152ms);  // 256 samples: hardly stretched
  EXPECT_EQ(s.samples(), 256u);
}

TEST(RttSpread, AnOutlierCountsUntilItIsNoLongerRecent) {
  RttSpread s(RttSpread::Options{.samples = 4, .max_age = 1h, .keep_for = 0s});
  SteadyTime t{10s};
  s.Add(900ms, t);  // a stall
  for (int i = 0; i < 3; ++i) s.Add(100ms, t);
  EXPECT_EQ(s.Spread(t), Duration(800ms) * 5 / 3);
  s.Add(100ms, t);  // the stall is the fifth most recent now
  EXPECT_EQ(s.Spread(t), 0ms);
}

// At 600 sends/s the most recent 256 round trips are 0.43 s: a stall at a
// broadcast's start must still widen the window when the sends it delayed
// are a window (1 s) behind the next ones, or those arrive too close to them.
TEST(RttSpread, AStallCountsForAsLongAsTheWindowItCompresses) {
  RttSpread s;
  SteadyTime t{10s};
  for (int i = 0; i < 20; ++i) s.Add(25ms, t += 1666us);  // the stall
  for (int i = 0; i < 580; ++i) s.Add(2ms, t += 1666us);  // a second's worth at 600/s
  EXPECT_GE(s.Spread(t), 23ms);
  EXPECT_EQ(s.samples(), 600u);
  for (int i = 0; i < 1200; ++i) s.Add(2ms, t += 1666us);  // two seconds on
  EXPECT_EQ(s.Spread(t), 0ms);
  EXPECT_EQ(s.samples(), 1201u);  // the last 2 s (keep_for): more than `samples`
}

TEST(RttSpread, OldSamplesAgeOut) {
  RttSpread s(RttSpread::Options{.samples = 100, .max_age = 60s});
  SteadyTime t{10s};
  s.Add(50ms, t);
  s.Add(250ms, t + 1s);
  s.Add(100ms, t + 30s);
  s.Add(110ms, t + 40s);
  EXPECT_EQ(s.Spread(t + 40s), Duration(200ms) * 5 / 3);
  EXPECT_EQ(s.Spread(t + 60s + 500ms), 150ms * 4 / 2);  // 50 ms is gone
  EXPECT_EQ(s.Spread(t + 61s + 500ms), 10ms * 3 / 1);   // so is 250 ms
  EXPECT_EQ(s.Spread(t + 101s), 0ms);                   // all gone
  EXPECT_EQ(s.samples(), 0u);
}

TEST(RttSpread, MatchesTheRangeOfTheLastSamplesComputedTheLongWay) {
  const size_t kKeep = 16;
  RttSpread s(RttSpread::Options{.samples = kKeep, .max_age = 1h, .keep_for = 0s});
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> ms(1, 400);
  std::vector<Duration> all;
  SteadyTime t{10s};
  for (int i = 0; i < 3000; ++i) {
    all.push_back(std::chrono::milliseconds(ms(rng)));
    s.Add(all.back(), t);
    auto first = all.end() - static_cast<std::ptrdiff_t>(std::min(kKeep, all.size()));
    auto [lo, hi] = std::minmax_element(first, all.end());
    int64_t n = all.end() - first;
    Duration want = n < 2 ? Duration::zero() : (*hi - *lo) * (n + 1) / (n - 1);
    ASSERT_EQ(s.Spread(t), want) << i;
  }
}

}  // namespace
}  // namespace tgate::dispatch
