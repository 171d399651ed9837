// The Scheduler on simulated time: every limit is checked against the send
// times it produced, with no sleeping.
#include "dispatch/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;
using store::Priority;

struct Sent {
  Job job;
  SteadyTime at;
};

// Runs the scheduler until empty; each send completes `latency` later.
std::vector<Sent> Simulate(Scheduler& s, SteadyTime start, std::chrono::milliseconds latency = 0ms,
                           size_t limit = 1000000) {
  std::vector<Sent> sent;
  std::multimap<SteadyTime, int64_t> completing;  // when -> chat
  SteadyTime now = start;
  while (sent.size() < limit) {
    while (!completing.empty() && completing.begin()->first <= now) {
      s.Done(completing.begin()->second, now);
      completing.erase(completing.begin());
    }
    while (auto job = s.Next(now)) {
      sent.push_back({*job, now});
      completing.emplace(now + latency, job->chat_id);
    }
    SteadyTime wake = s.NextWake(now);
    if (!completing.empty()) wake = std::min(wake, completing.begin()->first);
    if (wake == SteadyTime::max()) break;
    now = std::max(now + 1us, wake);
  }
  return sent;
}

// Checks "at most n in any interval of length w" over `times` (sorted).
void ExpectWindow(const std::vector<SteadyTime>& times, size_t n, std::chrono::steady_clock::duration w,
                  const std::string& what) {
  for (size_t i = n; i < times.size(); ++i) {
    ASSERT_GE(times[i] - times[i - n], w) << what << ": " << n + 1 << " sends within " << w.count() << "ns";
  }
}

SchedulerLimits Limits() {
  SchedulerLimits l;
  l.global_per_sec = 100;
  l.chat_per_sec = 2;
  l.group_per_min = 20;
  l.paid_per_sec = 1000;
  return l;
}

TEST(Scheduler, NoLimitIsEverExceeded) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  int64_t id = 1;
  for (int i = 0; i < 3000; ++i) s.Add({id++, 1 + i % 700, Priority::kBroadcast});
  for (int i = 0; i < 60; ++i) s.Add({id++, -500, Priority::kDirect});
  for (int i = 0; i < 200; ++i) s.Add({id++, 1 + i % 5, Priority::kDirect});
  auto sent = Simulate(s, t0, 7ms);
  ASSERT_EQ(sent.size(), 3260u);
  std::vector<SteadyTime> all;
  std::map<int64_t, std::vector<SteadyTime>> per_chat;
  for (const auto& x : sent) all.push_back(x.at), per_chat[x.job.chat_id].push_back(x.at);
  ExpectWindow(all, 100, 1s, "global");
  for (const auto& [chat, times] : per_chat) {
    if (chat < 0)
      ExpectWindow(times, 20, 60s, "group");
    else
      ExpectWindow(times, 1, 500ms, "chat " + std::to_string(chat));
  }
}

TEST(Scheduler, SaturatesTheGlobalBudget) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  for (int i = 0; i < 5000; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, t0, 40ms);
  ASSERT_EQ(sent.size(), 5000u);
  double took = std::chrono::duration<double>(sent.back().at - sent.front().at).count() + 0.01;
  double ratio = took / (5000 / 100.0);
  EXPECT_LE(ratio, 1.01) << "completion / theoretical minimum";
  EXPECT_GE(ratio, 0.99);
}

TEST(Scheduler, WithATickBroadcastSendsGoInBatchesAndStillSaturate) {
  SchedulerLimits l = Limits();
  l.global_per_sec = 600;
  l.tick = 10ms;  // 6 sends per tick at 600/s
  Scheduler s(l);
  SteadyTime t0{100s};
  for (int i = 0; i < 6000; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, t0, 1ms);
  ASSERT_EQ(sent.size(), 6000u);
  std::map<SteadyTime, int> per_instant;
  for (const auto& x : sent) per_instant[x.at]++;
  // One wake-up per tick's worth, not per message.
  EXPECT_LE(per_instant.size(), 6000u / 5);
  std::vector<SteadyTime> all;
  for (const auto& x : sent) all.push_back(x.at);
  ExpectWindow(all, 600, 1s, "global");
  double took = std::chrono::duration<double>(sent.back().at - sent.front().at).count();
  EXPECT_LE(took / (6000 / 600.0), 1.02) << "completion / theoretical minimum";
}

TEST(Scheduler, WithATickOneToOneDoesNotWaitForABatch) {
  SchedulerLimits l = Limits();
  l.global_per_sec = 600;
  l.tick = 10ms;
  Scheduler s(l);
  SteadyTime t0{100s};
  for (int i = 0; i < 600; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto first = Simulate(s, t0, 0ms, 6);
  SteadyTime after = first.back().at;
  // The next broadcast batch waits for a tick's worth of budget...
  EXPECT_GE(s.NextWake(after) - after, 8ms);
  // ...a one-to-one message only for the next slot of the pace.
  s.Add({9999, 77777, Priority::kDirect});
  EXPECT_LE(s.NextWake(after) - after, 2ms);
}

TEST(Scheduler, OneToOneOvertakesQueuedBroadcast) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  for (int i = 0; i < 500; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto first = Simulate(s, t0, 0ms, 10);
  s.Add({9999, 77777, Priority::kDirect});
  auto next = s.Next(s.NextWake(first.back().at));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, 9999);
}

TEST(Scheduler, InsideAChatOneToOneGoesBeforeItsBroadcastButKeepsItsOwnOrder) {
  Scheduler s(Limits());
  s.Add({1, 5, Priority::kBroadcast});
  s.Add({2, 5, Priority::kDirect});
  s.Add({3, 5, Priority::kDirect});
  auto sent = Simulate(s, SteadyTime{100s});
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].job.id, 2);
  EXPECT_EQ(sent[1].job.id, 3);
  EXPECT_EQ(sent[2].job.id, 1);
}

// A broadcast job put back in front (its next part) is followed by the
// one-to-one messages that came while it was in flight; a later one-to-one
// message queues behind those, not in front of everything.
TEST(Scheduler, InsideAChatANewOneToOneMessageNeverOvertakesAnOlderOne) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.Add({1, 5, Priority::kBroadcast});
  auto part1 = s.Next(t0);
  ASSERT_TRUE(part1);
  ASSERT_EQ(part1->id, 1);
  s.Add({2, 5, Priority::kDirect});  // while part 1 is in flight
  Job part2 = *part1;
  part2.parts_sent = 1;
  s.AddFront(part2);
  s.Done(5, t0);
  s.Add({3, 5, Priority::kDirect});
  s.Add({4, 5, Priority::kDirect});
  auto sent = Simulate(s, t0);
  std::vector<int64_t> order;
  for (const Sent& x : sent) order.push_back(x.job.id);
  EXPECT_EQ(order, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(Scheduler, InsideAChatBroadcastMessagesGoInDueOrder) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.Add({1, 5, Priority::kBroadcast, false, 1, t0 + 30s});  // a campaign's, due later
  s.Add({2, 5, Priority::kBroadcast, false, 2, t0});        // an urgent one's, due now
  s.Add({3, 5, Priority::kBroadcast, false, 3, t0});
  s.Add({4, 5, Priority::kDirect});
  auto sent = Simulate(s, t0);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].job.id, 4);
  EXPECT_EQ(sent[1].job.id, 2);
  EXPECT_EQ(sent[2].job.id, 3) << "arrival order among equals";
  EXPECT_EQ(sent[3].job.id, 1);
  EXPECT_EQ(sent[3].at, t0 + 30s);
}

TEST(Scheduler, OneMessageInFlightPerChat) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.Add({1, 5, Priority::kDirect});
  s.Add({2, 5, Priority::kDirect});
  ASSERT_TRUE(s.Next(t0));
  EXPECT_FALSE(s.Next(t0 + 10s)) << "the first is still in flight";
  s.Done(5, t0 + 10s);
  auto second = s.Next(t0 + 10s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, 2);
}

TEST(Scheduler, ABusyChatDoesNotBlockOthers) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  for (int i = 0; i < 100; ++i) s.Add({i + 1, 5, Priority::kDirect});
  s.Add({1000, 6, Priority::kDirect});
  auto sent = Simulate(s, t0, 0ms, 3);
  bool other = false;
  for (const auto& x : sent) other |= x.job.chat_id == 6;
  EXPECT_TRUE(other);
  for (const auto& x : sent) {
    if (x.job.chat_id == 6) {
      EXPECT_LT(x.at - t0, 100ms);
    }
  }
}

TEST(Scheduler, AChatWithABacklogTakesTurnsWithOthers) {
  SchedulerLimits l = Limits();
  l.group_per_min = 1000;  // the group itself is not what limits here
  Scheduler s(l);
  SteadyTime t0{100s};
  for (int i = 0; i < 200; ++i) s.Add({i + 1, -777, Priority::kDirect});  // a group backlog
  s.Add({1000, 5, Priority::kDirect});                                    // then one user
  auto sent = Simulate(s, t0, 1ms, 4);
  bool user_early = false;
  for (const auto& x : sent) user_early |= x.job.chat_id == 5;
  EXPECT_TRUE(user_early) << "the user waited behind the group's whole backlog";
}

TEST(Scheduler, ParkedChatWaitsOutItsWindow) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.Add({1, 5, Priority::kDirect});
  s.ParkChat(5, t0 + 7s, t0);
  s.Add({2, 6, Priority::kDirect});
  auto sent = Simulate(s, t0);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].job.chat_id, 6);
  EXPECT_GE(sent[1].at, t0 + 7s);
}

TEST(Scheduler, PastSendsCountAgainstTheirGroupsWindowOnly) {
  Scheduler s(Limits());  // 20 per minute per group
  SteadyTime t0{100s};
  for (int i = 0; i < 20; ++i) s.RecordPastSend(-7, t0 - 50s + std::chrono::seconds(i));
  s.RecordPastSend(-8, t0 - 50s);
  s.Add({1, -7, Priority::kDirect});
  s.Add({2, -8, Priority::kDirect});
  s.Add({3, 5, Priority::kDirect});
  auto sent = Simulate(s, t0);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].at, t0) << "another group and a private chat go at once";
  EXPECT_EQ(sent[1].at, t0);
  EXPECT_EQ(sent[2].job.chat_id, -7);
  EXPECT_GE(sent[2].at, t0 + 10s) << "the first past send's minute must pass";
  EXPECT_LT(sent[2].at, t0 + 12s);
}

TEST(Scheduler, AChatKnownOnlyByPastSendsIsForgottenOnceItsWindowPassed) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.RecordPastSend(-7, t0 - 30s);
  s.RecordPastSend(-7, t0 - 20s);
  EXPECT_EQ(s.chats(), 1u);
  s.Add({1, 5, Priority::kDirect});
  Simulate(s, t0 + 2min);  // the group's window has long passed
  EXPECT_EQ(s.chats(), 1u) << "only the private chat, until its own window passes";
}

TEST(Scheduler, PauseAllHoldsEverything) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  s.PauseAll(t0 + 3s);
  s.Add({1, 5, Priority::kDirect});
  EXPECT_FALSE(s.Next(t0));
  EXPECT_EQ(s.NextWake(t0), t0 + 3s);
  EXPECT_TRUE(s.Next(t0 + 3s));
}

TEST(Scheduler, NotBeforeSpreadsABroadcast) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  for (int i = 0; i < 10; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast, false, 1, t0 + i * 1s});
  auto sent = Simulate(s, t0);
  ASSERT_EQ(sent.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sent[i].at, t0 + i * 1s);
}

TEST(Scheduler, PaidBroadcastUsesThePaidBudget) {
  Scheduler s(Limits());
  SteadyTime t0{100s};
  for (int i = 0; i < 2000; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast, true, 1});
  auto sent = Simulate(s, t0, 50ms);
  std::vector<SteadyTime> times;
  for (const auto& x : sent) times.push_back(x.at);
  ExpectWindow(times, 1000, 1s, "paid");
  double took = std::chrono::duration<double>(sent.back().at - sent.front().at).count();
  EXPECT_LT(took, 2.1) << "2000 paid messages at 1000/s";
}

TEST(Scheduler, DropAndMove) {
  Scheduler s(Limits());
  s.Add({1, 5, Priority::kBroadcast, false, 9});
  s.Add({2, 5, Priority::kDirect});
  s.Add({3, 6, Priority::kBroadcast, false, 9});
  auto dropped = s.DropBroadcast(9);
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_EQ(s.queued(), 1u);
  s.MoveChat(5, -100, SteadyTime{100s});
  auto j = s.Next(SteadyTime{100s});
  ASSERT_TRUE(j);
  EXPECT_EQ(j->chat_id, -100);
  EXPECT_EQ(s.DropChat(-100).size(), 0u);
}

TEST(Scheduler, LoweredGlobalRateIsHonoured) {
  Scheduler s(Limits());
  s.SetGlobalRate(10);
  for (int i = 0; i < 100; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, SteadyTime{100s});
  std::vector<SteadyTime> times;
  for (const auto& x : sent) times.push_back(x.at);
  ExpectWindow(times, 10, 1s, "lowered global");
}

TEST(Scheduler, ForgetsIdleChats) {
  Scheduler s(Limits());
  for (int i = 0; i < 1000; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, SteadyTime{100s});
  ASSERT_EQ(sent.size(), 1000u);
  // Later activity sweeps the chats whose windows have expired.
  for (int i = 0; i < 40; ++i) {
    s.Add({5000 + i, 99999, Priority::kDirect});
    Simulate(s, sent.back().at + std::chrono::seconds(10 + i), 0ms, 1);
  }
  EXPECT_LT(s.chats(), 1000u);
}

TEST(Scheduler, AJitterMarginWidensTheGlobalWindowByItsSpreadAndNoMore) {
  SchedulerLimits l;  // 30/s, fixed margin 10 ms
  Scheduler s(l);
  s.SetJitterMargin(150ms);
  EXPECT_EQ(s.jitter_margin(), 150ms);
  SteadyTime t0{100s};
  for (int i = 0; i < 300; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, t0, 120ms);
  ASSERT_EQ(sent.size(), 300u);
  std::vector<SteadyTime> times;
  for (const auto& x : sent) times.push_back(x.at);
  ExpectWindow(times, 30, 1150ms, "global with a 150 ms margin");
  // Costs the spread and nothing more: 30 sends per 1.15 s.
  EXPECT_EQ(times[30] - times[0], 1150ms);
  double took = std::chrono::duration<double>(times.back() - times.front()).count();
  EXPECT_LE(took, 10 * 1.15) << "300 sends = 10 windows of 1.15 s";
}

TEST(Scheduler, NoJitterMarginKeepsTheFixedMargins) {
  Scheduler s(SchedulerLimits{});
  s.SetJitterMargin(3ms);  // below the fixed 1 % (10 ms) of the global window
  SteadyTime t0{100s};
  for (int i = 0; i < 31; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  s.Add({100, 1, Priority::kDirect});  // a second message to chat 1
  auto sent = Simulate(s, t0, 10ms);
  ASSERT_EQ(sent.size(), 32u);
  std::vector<SteadyTime> times;
  for (const auto& x : sent) times.push_back(x.at);
  std::sort(times.begin(), times.end());
  EXPECT_EQ(times[30] - times[0], 1010ms);
  SteadyTime chat1_first{}, chat1_second{};
  for (const auto& x : sent) {
    if (x.job.chat_id == 1) (x.job.id == 100 ? chat1_first : chat1_second) = x.at;
  }
  EXPECT_EQ(chat1_second - chat1_first, 1020ms) << "the private chat's 2 % margin";
}

TEST(Scheduler, AJitterMarginWidensChatWindowsToo) {
  Scheduler s(Limits());  // a private chat: 1 per 500 ms, 10 ms margin
  SteadyTime t0{100s};
  s.Add({1, 5, Priority::kDirect});
  s.Add({2, 5, Priority::kDirect});
  auto first = s.Next(t0);
  ASSERT_TRUE(first);
  s.Done(5, t0 + 100ms);  // chat 5's next message is filed for t0 + 510 ms
  EXPECT_EQ(s.NextWake(t0 + 100ms), t0 + 510ms);
  // The measured spread grows meanwhile: the filed chat waits for it too.
  s.SetJitterMargin(200ms);
  EXPECT_FALSE(s.Next(t0 + 510ms));
  EXPECT_EQ(s.NextWake(t0 + 510ms), t0 + 700ms);
  auto second = s.Next(t0 + 700ms);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, 2);
}

TEST(Scheduler, AJitterMarginIsCapped) {
  SchedulerLimits l;
  l.jitter_margin_max = 400ms;
  Scheduler s(l);
  s.SetJitterMargin(5s);  // a stall measured as spread
  EXPECT_EQ(s.jitter_margin(), 400ms);
  s.SetJitterMargin(-1ms);
  EXPECT_EQ(s.jitter_margin(), 0ms);
}

TEST(Scheduler, AJitterMarginShrinksBackWhenTheSpreadGoes) {
  Scheduler s(SchedulerLimits{});
  s.SetJitterMargin(150ms);
  s.SetJitterMargin(0ms);
  SteadyTime t0{100s};
  for (int i = 0; i < 60; ++i) s.Add({i + 1, i + 1, Priority::kBroadcast});
  auto sent = Simulate(s, t0, 10ms);
  ASSERT_EQ(sent.size(), 60u);
  EXPECT_EQ(sent[30].at - sent[0].at, 1010ms);
}

}  // namespace
}  // namespace tgate::dispatch
