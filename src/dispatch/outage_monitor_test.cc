#include "dispatch/outage_monitor.h"

#include <gtest/gtest.h>

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;
using Change = OutageMonitor::Change;

const SteadyTime kT0 = SteadyTime{} + 1h;

TEST(OutageMonitor, AFailureIsTheMessagesOwnWhenALaterRequestWasAnswered) {
  OutageMonitor m;
  uint64_t failed = m.Ticket();
  uint64_t later = m.Ticket();
  m.OnReachable(later);
  EXPECT_FALSE(m.Suspect(failed));
  EXPECT_EQ(m.NextProbe(), SteadyTime::max()) << "no probe without a suspect";
  EXPECT_TRUE(m.Suspect(m.Ticket())) << "sent after the last answer";
}

TEST(OutageMonitor, AProbeTelegramAnswersClearsTheSuspectsAndStartsNoOutage) {
  OutageMonitor m;
  uint64_t failed = m.Ticket();
  ASSERT_TRUE(m.Suspect(failed));
  m.WantProbe();
  EXPECT_TRUE(m.ProbeDue(kT0));
  m.ProbeSent(kT0);
  EXPECT_FALSE(m.ProbeDue(kT0 + 1h)) << "one probe at a time";
  EXPECT_EQ(m.OnProbe(true, kT0 + 10ms), Change::kNone);
  EXPECT_FALSE(m.active());
  EXPECT_FALSE(m.Suspect(failed));
  EXPECT_EQ(m.total(kT0 + 1h), 0s);
}

TEST(OutageMonitor, AnUnansweredProbeStartsAnOutageThatProbesWithBackoffUntilAnswered) {
  OutageMonitor m(OutageOptions{1s, 30s});
  m.WantProbe();
  m.ProbeSent(kT0);
  EXPECT_EQ(m.OnProbe(false, kT0), Change::kStarted);
  EXPECT_TRUE(m.active());
  EXPECT_EQ(m.since(), kT0);
  // 1 s, doubling, at most 30 s.
  SteadyTime now = kT0;
  std::vector<std::chrono::seconds> gaps;
  for (int i = 0; i < 8; ++i) {
    SteadyTime next = m.NextProbe();
    EXPECT_FALSE(m.ProbeDue(next - 1ms));
    gaps.push_back(std::chrono::duration_cast<std::chrono::seconds>(next - now));
    now = next;
    m.ProbeSent(now);
    EXPECT_EQ(m.OnProbe(false, now), Change::kNone);
  }
  EXPECT_EQ(gaps, (std::vector<std::chrono::seconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s}));
  m.ProbeSent(m.NextProbe());
  EXPECT_EQ(m.OnProbe(true, kT0 + 200s), Change::kEnded);
  EXPECT_FALSE(m.active());
  EXPECT_EQ(m.total(kT0 + 1h), 200s);
  EXPECT_EQ(m.NextProbe(), SteadyTime::max());
}

TEST(OutageMonitor, ASendAnsweredAfterAProbeWasSentSaysTelegramIsThere) {
  OutageMonitor m;
  m.WantProbe();
  m.ProbeSent(kT0);
  m.OnReachable(m.Ticket());  // sent after the probe, answered before it timed out
  EXPECT_EQ(m.OnProbe(false, kT0 + 10s), Change::kNone);
  EXPECT_FALSE(m.active());
}

}  // namespace
}  // namespace tgate::dispatch
