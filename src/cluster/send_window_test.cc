#include "cluster/send_window.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"

namespace tgate::cluster {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLease{4000};
constexpr milliseconds kMargin{1000};

TEST(SendWindow, ClosedBeforeTheFirstRenewal) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  EXPECT_FALSE(w.MaySend(clock.Now()));
}

TEST(SendWindow, OpenUntilLeaseMinusMarginAfterTheRenewalWasSent) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  const SteadyTime sent = clock.Now();
  clock.Advance(milliseconds(40));  // the answer's round trip
  w.Renewed(sent);
  EXPECT_TRUE(w.MaySend(clock.Now()));
  clock.AdvanceTo(sent + milliseconds(2999));
  EXPECT_TRUE(w.MaySend(clock.Now()));
  clock.Advance(milliseconds(1));  // sent + 3000 ms = lease - margin
  EXPECT_FALSE(w.MaySend(clock.Now()));
}

TEST(SendWindow, RenewalsEverySecondKeepItOpen) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  for (int beat = 0; beat < 100; ++beat) {
    w.Renewed(clock.Now());
    for (int ms = 0; ms < 1000; ms += 50) {
      ASSERT_TRUE(w.MaySend(clock.Now())) << "beat " << beat << " +" << ms << " ms";
      clock.Advance(milliseconds(50));
    }
  }
}

TEST(SendWindow, ALateAnswerCountsFromWhenItWasSent) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  w.Renewed(clock.Now());
  const SteadyTime sent = clock.Now() + milliseconds(1000);
  clock.AdvanceTo(sent);
  // The database stalled: the renewal's answer comes 2.5 s after it left.
  clock.Advance(milliseconds(2500));
  w.Renewed(sent);
  EXPECT_TRUE(w.MaySend(clock.Now()));  // sent + 2500 < sent + 3000
  clock.Advance(milliseconds(499));
  EXPECT_TRUE(w.MaySend(clock.Now()));
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(w.MaySend(clock.Now()));
}

TEST(SendWindow, AnAnswerOlderThanTheLatestDoesNotShrinkIt) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  const SteadyTime early = clock.Now();
  clock.Advance(milliseconds(1000));
  w.Renewed(clock.Now());
  w.Renewed(early);
  EXPECT_EQ(w.until(), clock.Now() + milliseconds(3000));
}

TEST(SendWindow, NoRenewalClosesItForGood) {
  FakeClock clock;
  SendWindow w(kLease, kMargin);
  w.Renewed(clock.Now());
  clock.Advance(milliseconds(3000));
  EXPECT_FALSE(w.MaySend(clock.Now()));
  clock.Advance(std::chrono::hours(1));
  EXPECT_FALSE(w.MaySend(clock.Now()));
}

}  // namespace
}  // namespace tgate::cluster
