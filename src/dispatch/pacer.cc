#include "dispatch/pacer.h"

#include <algorithm>

namespace tgate::dispatch {

void Pacer::SetRate(double rate_per_sec) {
  rate_ = std::max(rate_per_sec, 0.001);
  interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / rate_));
}

int Pacer::Batch() const { return std::max<int>(1, static_cast<int>(tick_ / interval_)); }

SteadyTime Pacer::WakeAt(int n, SteadyTime now) const {
  SteadyTime wake = next_ + interval_ * (std::clamp(n, 1, Batch()) - 1);
  return wake > now ? wake : now;
}

void Pacer::Record(SteadyTime t) {
  // Never let the schedule fall behind `t` by more than catch_up_ - 1
  // intervals (or one tick): an idle pacer must not bank a burst.
  next_ = std::max(next_, t - std::max(interval_ * (catch_up_ - 1), tick_)) + interval_;
}

}  // namespace tgate::dispatch
