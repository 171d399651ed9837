// FakeClock: a Clock that moves only when a test calls Advance(). Both the
// steady and the wall time advance together. Its timers wait on its steady
// time: Advance completes the waits that fall due, in deadline order (ties in
// the order they began), each posted to its timer's executor; nothing runs
// inline. NextWait() says when the next wait falls due, which is how a test
// driver runs an io_context on fake time (core/fake_clock_test_util.h).
// Not thread-safe: one thread, the test's. For tests and benchmarks only.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "core/clock.h"

namespace tgate {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary, fixed wall time (2026-01-01T00:00:00Z).
  FakeClock() : state_(std::make_shared<State>()) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  SteadyTime Now() const override { return state_->steady; }
  WallTime Wall() const override { return state_->wall; }
  std::unique_ptr<Timer> MakeTimer(boost::asio::any_io_executor executor) const override;

  // Moves both times on by `d`, then completes the waits that fell due (in
  // deadline order, posted to their executors: they run when those run).
  template <typename Rep, typename Period>
  void Advance(std::chrono::duration<Rep, Period> d) {
    auto dd = std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
    state_->steady += dd;
    state_->wall += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    FireDue();
  }
  void AdvanceTo(SteadyTime t) {
    if (t > state_->steady) Advance(t - state_->steady);
  }

  // When the earliest wait under way falls due; SteadyTime::max() if none.
  SteadyTime NextWait() const {
    return state_->waits.empty() ? SteadyTime::max() : state_->waits.begin()->first.first;
  }
  // Waits under way, on every executor.
  size_t pending_waits() const { return state_->waits.size(); }

 private:
  class FakeTimer;
  // Shared with the timers, so a timer may outlive the clock (a coroutine
  // frame destroyed with its io_context after the test's clock).
  struct State {
    SteadyTime steady{std::chrono::hours(1)};
    WallTime wall{std::chrono::seconds(1767225600)};
    // Waits under way, by (deadline, order begun).
    std::map<std::pair<SteadyTime, uint64_t>, FakeTimer*> waits;
    uint64_t begun = 0;
  };

  void FireDue();

  std::shared_ptr<State> state_;
};

// A wait is an asio::steady_timer set to never expire, cancelled to end the
// wait: asio then posts its completion to the executor, as for a real timer.
// Whether the time came or the wait was cancelled is kept in the wait's own
// flag, which the waiting coroutine holds (the timer may be gone by then).
class FakeClock::FakeTimer final : public Timer {
 public:
  FakeTimer(std::shared_ptr<State> state, boost::asio::any_io_executor executor)
      : state_(std::move(state)), signal_(std::move(executor), SteadyTime::max()) {}
  ~FakeTimer() override { Unregister(); }

  void ExpiresAt(SteadyTime t) override {
    Cancel();
    expiry_ = t;
  }
  boost::asio::awaitable<bool> Wait() override {
    namespace asio = boost::asio;
    if (expiry_ <= state_->steady) {
      co_await asio::post(signal_.get_executor(), asio::use_awaitable);
      co_return true;
    }
    Cancel();  // one wait at a time, as the dispatcher's timers are used
    auto fired = std::make_shared<bool>(false);
    fired_ = fired;
    key_ = {expiry_, state_->begun++};
    state_->waits.emplace(*key_, this);
    co_await signal_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return *fired;
  }
  void Cancel() override {
    if (Unregister()) signal_.cancel();
  }

  // Called by the clock once the time came (already off its list).
  void Fire() {
    key_.reset();
    if (auto fired = fired_.lock()) *fired = true;
    signal_.cancel();
  }

 private:
  bool Unregister() {
    if (!key_) return false;
    state_->waits.erase(*key_);
    key_.reset();
    return true;
  }

  std::shared_ptr<State> state_;
  boost::asio::steady_timer signal_;
  SteadyTime expiry_{};
  std::optional<std::pair<SteadyTime, uint64_t>> key_;  // set while a wait is under way
  std::weak_ptr<bool> fired_;                           // of the wait under way
};

inline std::unique_ptr<Timer> FakeClock::MakeTimer(boost::asio::any_io_executor executor) const {
  return std::make_unique<FakeTimer>(state_, std::move(executor));
}

inline void FakeClock::FireDue() {
  auto& waits = state_->waits;
  while (!waits.empty() && waits.begin()->first.first <= state_->steady) {
    FakeTimer* timer = waits.begin()->second;
    waits.erase(waits.begin());
    timer->Fire();
  }
}

}  // namespace tgate
