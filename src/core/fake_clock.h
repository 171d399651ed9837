// FakeClock: a Clock that moves only when a test calls Advance(). Both the
// steady and the wall time advance together. For tests and benchmarks only.
#pragma once

#include "core/clock.h"

namespace tgate {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary, fixed wall time (2026-01-01T00:00:00Z).
  FakeClock() : wall_(std::chrono::seconds(1767225600)) {}

  SteadyTime Now() const override { return steady_; }
  WallTime Wall() const override { return wall_; }

  template <typename Rep, typename Period>
  void Advance(std::chrono::duration<Rep, Period> d) {
    auto dd = std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
    steady_ += dd;
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  void AdvanceTo(SteadyTime t) {
    if (t > steady_) Advance(t - steady_);
  }

 private:
  SteadyTime steady_{std::chrono::hours(1)};
  WallTime wall_;
};

}  // namespace tgate
