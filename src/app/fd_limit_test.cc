#include "app/fd_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace tgate::app {
namespace {

TEST(FdLimit, RaisesTheSoftLimitToTheHardOne) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max < 512) GTEST_SKIP() << "hard limit unsuitable";
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  FdLimits l = RaiseFdLimit();
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(now.rlim_cur, saved.rlim_max);
  EXPECT_EQ(l.soft, saved.rlim_max);
  EXPECT_EQ(l.hard, saved.rlim_max);
}

TEST(FdLimit, TheCapLeavesTheReserveFree) {
  const uint64_t reserve = FdReserve(200, 1);  // one bot with the default max_in_flight
  EXPECT_EQ(reserve, 64u + 4 + 200 + 4);
  bool clamped = true;
  EXPECT_EQ(ConnectionCap(0, 1 << 20, reserve, &clamped), 10000u);  // the default
  EXPECT_FALSE(clamped);
  EXPECT_EQ(ConnectionCap(0, 1024, reserve, &clamped), 1024 - reserve);  // a low soft limit
  EXPECT_TRUE(clamped);
  EXPECT_EQ(ConnectionCap(50, 1024, reserve), 50u);  // configured below the limit
  EXPECT_EQ(ConnectionCap(50000, 20000, reserve, &clamped), 20000 - reserve);
  EXPECT_TRUE(clamped);
  EXPECT_EQ(ConnectionCap(0, 100, reserve), 16u);  // never below a working minimum
}

}  // namespace
}  // namespace tgate::app
