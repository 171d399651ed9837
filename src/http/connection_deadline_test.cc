// ConnectionDeadline: the watcher calls on_expire once the deadline passes;
// a later deadline set in time keeps the connection, an earlier one takes
// effect at once, and a cleared or stopped deadline never expires. Real
// timers over tens of milliseconds; the bounds leave room for a loaded machine.
#include "http/connection_deadline.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/await_test_util.h"

namespace tgate::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class ConnectionDeadlineTest : public ::testing::Test {
 protected:
  // Starts the watcher; `watching` is false once Watch() returned.
  void StartWatch() {
    watching = true;
    asio::co_spawn(
        io, [this]() -> Awaitable<void> { co_await deadline.Watch([this] { expired_at = Clock::now(); }); },
        [this](std::exception_ptr) { watching = false; });
  }
  Awaitable<void> Sleep(Clock::duration d) {
    asio::steady_timer t(io, d);
    co_await t.async_wait(kAsTuple);
  }
  void Run(Awaitable<void> body) { tgate::testing::RunAwait(io, std::move(body)); }

  asio::io_context io;
  ConnectionDeadline deadline{io.get_executor()};
  bool watching = false;
  Clock::time_point expired_at{};
};

TEST_F(ConnectionDeadlineTest, ExpiresOnceTheDeadlinePasses) {
  const auto start = Clock::now();
  deadline.ExpiresAfter(30ms);
  StartWatch();
  Run([this]() -> Awaitable<void> {
    while (watching) co_await Sleep(5ms);
  }());
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(expired_at - start, 30ms);
}

TEST_F(ConnectionDeadlineTest, ALaterDeadlineSetInTimeKeepsTheConnection) {
  StartWatch();
  Clock::time_point second_set{};
  Run([&]() -> Awaitable<void> {
    deadline.ExpiresAfter(60ms);
    co_await Sleep(20ms);
    second_set = Clock::now();
    deadline.ExpiresAfter(250ms);  // the next operation started
    co_await Sleep(120ms);         // past the first deadline
    EXPECT_FALSE(deadline.expired());
    while (watching) co_await Sleep(5ms);
  }());
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(expired_at - second_set, 250ms);
}

TEST_F(ConnectionDeadlineTest, AnEarlierDeadlineTakesEffectAtOnce) {
  StartWatch();
  Clock::time_point set{};
  Run([&]() -> Awaitable<void> {
    deadline.ExpiresAfter(60s);
    co_await Sleep(10ms);  // the watcher is armed for a minute
    set = Clock::now();
    deadline.ExpiresAfter(30ms);
    while (watching) co_await Sleep(5ms);
  }());
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(expired_at - set, 30ms);
  EXPECT_LT(expired_at - set, 10s);
}

TEST_F(ConnectionDeadlineTest, AClearedDeadlineNeverExpiresAndANewOneRearms) {
  StartWatch();
  Run([&]() -> Awaitable<void> {
    deadline.ExpiresAfter(30ms);
    deadline.Clear();  // a handler runs: no deadline while it does
    co_await Sleep(120ms);
    EXPECT_FALSE(deadline.expired());
    EXPECT_TRUE(watching);
    deadline.ExpiresAfter(30ms);  // the answer is written: watched again
    while (watching) co_await Sleep(5ms);
  }());
  EXPECT_TRUE(deadline.expired());
}

TEST_F(ConnectionDeadlineTest, StopEndsTheWatchWithoutExpiring) {
  StartWatch();
  Run([&]() -> Awaitable<void> {
    deadline.ExpiresAfter(40ms);
    co_await Sleep(5ms);
    deadline.Stop();
    while (watching) co_await Sleep(5ms);
    co_await Sleep(80ms);
  }());
  EXPECT_FALSE(deadline.expired());
  EXPECT_EQ(expired_at, Clock::time_point{});
}

}  // namespace
}  // namespace tgate::http
