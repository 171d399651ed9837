// Clock: the only way code reads the time. Logic takes `now` from an injected
// Clock so limiters, the scheduler and retry policies are tested on a
// FakeClock (core/fake_clock.h) without sleeping. Not a timer: waiting is done
// by the thin coroutine drivers with Asio timers.
// Thread-safety: SystemClock is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace tgate {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for scheduling and timeouts.
  virtual SteadyTime Now() const = 0;
  // Calendar time, for stored timestamps (expires_at, linked_at).
  virtual WallTime Wall() const = 0;

  int64_t UnixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Wall().time_since_epoch()).count();
  }
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime Wall() const override { return std::chrono::system_clock::now(); }
};

}  // namespace tgate
