// The Clock's timers: a FakeClock's complete at exactly their time, in
// deadline order, posted to their executors; cancelled ones end early; the
// test driver moves fake time wait by wait. One SystemClock case shows the
// real timer keeps the same contract (no assertion on how long it took).
#include "core/clock.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/fake_clock.h"
#include "core/fake_clock_test_util.h"

namespace tgate {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Waits on `timer` until `at`, then records what it saw.
asio::awaitable<void> WaitAndRecord(Timer& timer, SteadyTime at, const Clock& clock, std::string name,
                                    std::vector<std::string>& seen, std::vector<SteadyTime>& when) {
  timer.ExpiresAt(at);
  bool came = co_await timer.Wait();
  seen.push_back(name + (came ? "" : " cancelled"));
  when.push_back(clock.Now());
}

TEST(FakeClockTimer, CompletesAtItsTimeInDeadlineOrderAndOnlyWhenRun) {
  asio::io_context io;
  FakeClock clock;
  const SteadyTime t0 = clock.Now();
  auto a = clock.MakeTimer(io.get_executor());
  auto b = clock.MakeTimer(io.get_executor());
  auto c = clock.MakeTimer(io.get_executor());
  std::vector<std::string> seen;
  std::vector<SteadyTime> when;
  asio::co_spawn(io, WaitAndRecord(*a, t0 + 30ms, clock, "a", seen, when), asio::detached);
  asio::co_spawn(io, WaitAndRecord(*b, t0 + 10ms, clock, "b", seen, when), asio::detached);
  asio::co_spawn(io, WaitAndRecord(*c, t0 + 10ms, clock, "c", seen, when), asio::detached);
  testing::RunReady(io);
  EXPECT_EQ(clock.pending_waits(), 3u);
  EXPECT_EQ(clock.NextWait(), t0 + 10ms);

  clock.Advance(9ms);
  testing::RunReady(io);
  EXPECT_TRUE(seen.empty()) << "a wait ended before its time";
  clock.Advance(1ms);
  EXPECT_TRUE(seen.empty()) << "a completion ran inline in Advance";
  testing::RunReady(io);
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c"}));  // ties: in the order they began
  EXPECT_EQ(when, (std::vector<SteadyTime>{t0 + 10ms, t0 + 10ms}));
  EXPECT_EQ(clock.NextWait(), t0 + 30ms);

  clock.Advance(1h);  // one step over it: it ends, seeing the clock where it stands
  testing::RunReady(io);
  EXPECT_EQ(seen.back(), "a");
  EXPECT_EQ(when.back(), t0 + 1h + 10ms);
  EXPECT_EQ(clock.NextWait(), SteadyTime::max());
}

TEST(FakeClockTimer, JumpingOverSeveralDeadlinesPostsThemInDeadlineOrder) {
  asio::io_context io;
  FakeClock clock;
  const SteadyTime t0 = clock.Now();
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<std::string> seen;
  std::vector<SteadyTime> when;
  for (int ms : {50, 20, 40, 10, 30}) {
    timers.push_back(clock.MakeTimer(io.get_executor()));
    asio::co_spawn(io,
                   WaitAndRecord(*timers.back(), t0 + std::chrono::milliseconds(ms), clock,
                                 std::to_string(ms), seen, when),
                   asio::detached);
  }
  testing::RunReady(io);
  clock.Advance(1s);
  testing::RunReady(io);
  EXPECT_EQ(seen, (std::vector<std::string>{"10", "20", "30", "40", "50"}));
}

TEST(FakeClockTimer, CancelAndANewExpiryEndTheWaitAsCancelled) {
  asio::io_context io;
  FakeClock clock;
  const SteadyTime t0 = clock.Now();
  auto timer = clock.MakeTimer(io.get_executor());
  std::vector<std::string> seen;
  std::vector<SteadyTime> when;
  asio::co_spawn(io, WaitAndRecord(*timer, t0 + 1s, clock, "w", seen, when), asio::detached);
  testing::RunReady(io);
  timer->Cancel();
  EXPECT_TRUE(seen.empty()) << "ran inline";
  EXPECT_EQ(clock.pending_waits(), 0u);
  testing::RunReady(io);
  EXPECT_EQ(seen, std::vector<std::string>{"w cancelled"});
  EXPECT_EQ(when.back(), t0);

  // Cancel with no wait under way changes nothing for the next one.
  timer->Cancel();
  asio::co_spawn(io, WaitAndRecord(*timer, t0 + 1s, clock, "x", seen, when), asio::detached);
  testing::RunReady(io);
  timer->ExpiresAt(t0 + 2s);  // as asio's expires_at: ends the wait under way
  testing::RunReady(io);
  EXPECT_EQ(seen.back(), "x cancelled");

  // A cancel after the time came, before the completion ran, changes nothing.
  asio::co_spawn(io, WaitAndRecord(*timer, t0 + 1s, clock, "y", seen, when), asio::detached);
  testing::RunReady(io);
  clock.Advance(1s);
  timer->Cancel();
  testing::RunReady(io);
  EXPECT_EQ(seen.back(), "y");
}

TEST(FakeClockTimer, AnExpiryAlreadyPassedCompletesAtOncePostedNotInline) {
  asio::io_context io;
  FakeClock clock;
  auto timer = clock.MakeTimer(io.get_executor());
  std::vector<std::string> seen;
  std::vector<SteadyTime> when;
  bool started = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        started = true;
        co_await WaitAndRecord(*timer, clock.Now(), clock, "now", seen, when);
      },
      asio::detached);
  while (!started) io.run_one();
  EXPECT_TRUE(seen.empty());
  testing::RunReady(io);
  EXPECT_EQ(seen, std::vector<std::string>{"now"});
  EXPECT_EQ(clock.pending_waits(), 0u);
}

TEST(FakeClockTimer, ATimerAndItsWaitMayOutliveTheClock) {
  asio::io_context io;
  std::unique_ptr<Timer> timer;
  {
    FakeClock clock;
    timer = clock.MakeTimer(io.get_executor());
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { co_await clock.SleepFor(1s); }, asio::detached);
    testing::RunReady(io);
  }
  timer.reset();
  // The io_context destroys the coroutine frame (and its timer) last.
}

TEST(FakeClockTimer, SleepForWaitsOnTheCallersExecutor) {
  asio::io_context io;
  FakeClock clock;
  const SteadyTime t0 = clock.Now();
  std::optional<SteadyTime> woke;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await clock.SleepFor(250ms);
        woke = clock.Now();
      },
      asio::detached);
  EXPECT_TRUE(testing::RunUntil(
      io, clock, [&] { return woke.has_value(); }, 1min));
  EXPECT_EQ(*woke, t0 + 250ms);
  EXPECT_EQ(clock.Now(), t0 + 250ms) << "the driver moved the clock past the only wait";
}

TEST(FakeClockDriver, MovesTimeWaitByWaitAcrossExecutorsAndStopsAtTheLimit) {
  asio::io_context io;
  asio::io_context other;  // polled by nobody here: its wait still moves the clock
  FakeClock clock;
  const SteadyTime t0 = clock.Now();
  std::vector<SteadyTime> ticks;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          co_await clock.SleepFor(3s);
          ticks.push_back(clock.Now());
        }
      },
      asio::detached);
  bool other_done = false;
  asio::co_spawn(
      other,
      [&]() -> asio::awaitable<void> {
        co_await clock.SleepFor(1s);
        other_done = true;
      },
      asio::detached);
  testing::RunReady(other);

  EXPECT_FALSE(testing::RunUntil(
      io, clock, [] { return false; }, 10s));
  EXPECT_EQ(clock.Now(), t0 + 10s) << "stops at exactly the limit";
  EXPECT_EQ(ticks, (std::vector<SteadyTime>{t0 + 3s, t0 + 6s, t0 + 9s}));
  EXPECT_FALSE(other_done) << "the other io_context is run by its owner";
  testing::RunReady(other);
  EXPECT_TRUE(other_done);

  EXPECT_TRUE(testing::RunUntil(
      io, clock, [&] { return ticks.size() == 5; }, 1h));
  EXPECT_EQ(clock.Now(), t0 + 15s) << "stops at the pass that made it true";
  testing::RunFor(io, clock, 500ms);
  EXPECT_EQ(clock.Now(), t0 + 15s + 500ms);
}

TEST(SystemClockTimer, EndsWhenTheTimeComesOrWhenCancelled) {
  asio::io_context io;
  SystemClock clock;
  auto timer = clock.MakeTimer(io.get_executor());
  std::vector<std::string> seen;
  std::vector<SteadyTime> when;
  const SteadyTime start = clock.Now();
  asio::co_spawn(io, WaitAndRecord(*timer, start + 1ms, clock, "a", seen, when), asio::detached);
  io.run();
  EXPECT_EQ(seen, std::vector<std::string>{"a"});
  EXPECT_GE(when.back(), start + 1ms);

  io.restart();
  asio::co_spawn(io, WaitAndRecord(*timer, clock.Now() + 1h, clock, "b", seen, when), asio::detached);
  testing::RunReady(io);
  timer->Cancel();
  io.run();
  EXPECT_EQ(seen.back(), "b cancelled");
}

}  // namespace
}  // namespace tgate
