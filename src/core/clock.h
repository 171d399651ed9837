// Clock: the one seam for time, as leveldb's Env is for the OS: code reads
// the time from an injected Clock and waits on the Clock's timers, so the
// same code runs on a FakeClock (core/fake_clock.h) in tests — limiters, the
// scheduler and retry policies take `now` from it, and the drivers that sleep
// (the Dispatcher) sleep on it — without real time passing.
// Not an event loop: a Timer's wait completes on the executor it was made
// for, which someone else runs.
// Thread-safety: SystemClock's readings are safe from any thread; a Timer is
// used from its executor only (as an asio::steady_timer).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

namespace tgate {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// A one-shot, cancellable wait until a steady time of the Clock that made it,
// completing on the executor it was made for. The shape of asio's
// steady_timer: ExpiresAt, then Wait; Cancel (or a new ExpiresAt) ends the
// wait under way early.
class Timer {
 public:
  virtual ~Timer() = default;
  // Sets when the next Wait ends. A Wait under way ends at once, cancelled.
  virtual void ExpiresAt(SteadyTime t) = 0;
  // Waits until the expiry time: true when it came, false when cancelled. If
  // it has passed already, completes at once (posted, never inline).
  virtual boost::asio::awaitable<bool> Wait() = 0;
  // Ends the Wait under way, if any, as cancelled. A later Wait is unaffected.
  virtual void Cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for scheduling and timeouts.
  virtual SteadyTime Now() const = 0;
  // Calendar time, for stored timestamps (expires_at, linked_at).
  virtual WallTime Wall() const = 0;
  // A timer on this clock's steady time whose waits complete on `executor`.
  // Waiting does not change the clock's reading, hence const.
  virtual std::unique_ptr<Timer> MakeTimer(boost::asio::any_io_executor executor) const = 0;

  int64_t UnixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Wall().time_since_epoch()).count();
  }
  // Waits `d` of this clock's time on the calling coroutine's executor.
  boost::asio::awaitable<void> SleepFor(std::chrono::steady_clock::duration d) const;
};

// The real clocks of the machine; its timers are asio::steady_timers.
class SystemClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime Wall() const override { return std::chrono::system_clock::now(); }
  std::unique_ptr<Timer> MakeTimer(boost::asio::any_io_executor executor) const override;
};

}  // namespace tgate
