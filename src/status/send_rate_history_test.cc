#include "status/send_rate_history.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"

namespace tgate::status {
namespace {

using std::chrono::seconds;

TEST(SendRateHistory, EmptyUntilTheFirstSample) {
  FakeClock clock;
  SendRateHistory h(clock);
  EXPECT_TRUE(h.Points().empty());
  h.Sample(500);  // the baseline: what was sent before is not a rate
  auto p = h.Points();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].per_second, 0);
}

TEST(SendRateHistory, RatePerIntervalFromTheDeltas) {
  FakeClock clock;
  SendRateHistory h(clock, seconds(10));
  h.Sample(0);
  clock.Advance(seconds(5));
  h.Sample(50);
  clock.Advance(seconds(5));  // into the second interval
  h.Sample(80);
  clock.Advance(seconds(5));
  h.Sample(130);
  auto p = h.Points();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_DOUBLE_EQ(p[0].per_second, 5.0);  // 50 in the first 10 s
  EXPECT_DOUBLE_EQ(p[0].seconds_ago, 5.0);
  EXPECT_DOUBLE_EQ(p[1].per_second, 16.0);  // 30 + 50 over the 5 s passed of the current one
  EXPECT_DOUBLE_EQ(p[1].seconds_ago, 0.0);
}

TEST(SendRateHistory, QuietIntervalsAreZeroes) {
  FakeClock clock;
  SendRateHistory h(clock, seconds(10));
  h.Sample(0);
  clock.Advance(seconds(1));
  h.Sample(20);
  clock.Advance(seconds(40));  // three intervals without a sample
  h.Sample(20);
  auto p = h.Points();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_DOUBLE_EQ(p[0].per_second, 2.0);
  for (size_t i = 1; i < p.size(); ++i) EXPECT_EQ(p[i].per_second, 0) << i;
}

TEST(SendRateHistory, KeepsOnlyTheSpan) {
  FakeClock clock;
  SendRateHistory h(clock, seconds(10), seconds(60));
  h.Sample(0);
  for (int i = 1; i <= 30; ++i) {
    clock.Advance(seconds(10));
    h.Sample(uint64_t(i) * 100);
  }
  auto p = h.Points();
  ASSERT_EQ(p.size(), 6u);  // 60 s of 10 s intervals
  EXPECT_DOUBLE_EQ(p.front().per_second, 10.0);
  EXPECT_DOUBLE_EQ(p.front().seconds_ago, 40.0);  // the current interval has just begun
}

TEST(SendRateHistory, ARestartedCounterCountsFromZero) {
  FakeClock clock;
  SendRateHistory h(clock, seconds(10));
  h.Sample(1000);
  clock.Advance(seconds(2));
  h.Sample(30);  // a new Run's counter
  auto p = h.Points();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(p[0].per_second, 15.0);
}

}  // namespace
}  // namespace tgate::status
