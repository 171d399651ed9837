// Lifetime: a coroutine holding a Token stops touching its owner once the
// owner is destroyed (or ended), even when it first runs after that, and a
// Sleep is cut short by Wake() and End().
#include "core/lifetime.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <memory>

namespace tgate {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// An owner whose loop counts its rounds into the owner itself: after the
// owner is gone, a round would write freed memory (ASan reports it).
class Looper {
 public:
  explicit Looper(asio::io_context& io) : io_(io) {}
  void Start() { asio::co_spawn(io_, Loop(life_.token()), asio::detached); }
  void Notify() { life_.Wake(); }
  void Stop() { life_.End(); }
  int rounds() const { return rounds_; }

 private:
  asio::awaitable<void> Loop(Lifetime::Token life);

  asio::io_context& io_;
  int rounds_ = 0;
  Lifetime life_;
};

asio::awaitable<void> Looper::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    ++rounds_;
    co_await life.Sleep(1h);
  }
}

TEST(Lifetime, DestroyingTheOwnerWhileItsLoopSleepsEndsTheLoop) {
  asio::io_context io;
  auto looper = std::make_unique<Looper>(io);
  looper->Start();
  io.poll();  // the loop ran one round and sleeps (an hour)
  ASSERT_EQ(looper->rounds(), 1);
  looper.reset();  // no Stop()
  io.run_for(5s);
  EXPECT_TRUE(io.stopped());  // the sleep was cut short and the loop returned
}

TEST(Lifetime, DestroyingTheOwnerBeforeItsLoopFirstRanEndsTheLoop) {
  asio::io_context io;
  auto looper = std::make_unique<Looper>(io);
  looper->Start();  // spawned, not run yet
  looper.reset();
  io.run_for(5s);
  EXPECT_TRUE(io.stopped());
}

TEST(Lifetime, WakeCutsASleepShortAndTheLoopGoesOn) {
  asio::io_context io;
  Looper looper(io);
  looper.Start();
  io.poll();
  looper.Notify();
  io.poll();
  EXPECT_EQ(looper.rounds(), 2);
  looper.Stop();
  io.run_for(5s);
  EXPECT_TRUE(io.stopped());
  EXPECT_EQ(looper.rounds(), 2);
}

// The loop read the store, found nothing, and the new work's Wake() came
// before it went to sleep: the sleep must not wait for the next periodic pass.
TEST(Lifetime, AWakeWhileNoSleepIsUnderWayCutsTheNextSleepShortOnce) {
  asio::io_context io;
  Lifetime life;
  life.Wake();
  int woke = 0;
  asio::co_spawn(
      io,
      [&woke, token = life.token()]() -> asio::awaitable<void> {
        co_await token.Sleep(1h);
        ++woke;
        co_await token.Sleep(1h);  // the wake was spent: this one waits
        ++woke;
      },
      asio::detached);
  io.run_for(100ms);
  EXPECT_EQ(woke, 1);
  life.End();
  io.run_for(5s);
  EXPECT_TRUE(io.stopped());
  EXPECT_EQ(woke, 2);
}

TEST(Lifetime, SleepAfterTheEndReturnsAtOnce) {
  asio::io_context io;
  Lifetime life;
  Lifetime::Token token = life.token();
  life.End();
  bool slept = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await token.Sleep(1h);
        slept = true;
      },
      asio::detached);
  io.run_for(5s);
  EXPECT_TRUE(io.stopped());  // at once, not in an hour
  EXPECT_TRUE(slept);
  EXPECT_TRUE(token.ended());
}

TEST(Lifetime, ASleepLeftPendingWhenTheIoContextGoesLeavesNothingBehind) {
  Lifetime life;
  {
    asio::io_context io;
    asio::co_spawn(
        io, [token = life.token()]() -> asio::awaitable<void> { co_await token.Sleep(1h); }, asio::detached);
    io.poll();
  }             // the sleeping frame is destroyed without resuming
  life.Wake();  // touches no dead timer
  life.End();
  EXPECT_TRUE(life.ended());
}

}  // namespace
}  // namespace tgate
