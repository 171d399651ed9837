// Pacer: spreads a rate evenly — one event every 1/rate seconds — so a global
// budget is used smoothly rather than in bursts at the start of each second.
// After a lag (the loop woke late, or idleness) at most `catch_up` events go
// back to back, or the events due within one `tick` if that is more: a
// dispatcher that wakes once per tick sends what fell due meanwhile together
// instead of waking for each. The SlidingWindow beside it still guards the
// hard limit. The rate can be lowered and raised at run time (adaptive
// backoff after 429s).
// Pure: time is an argument.
#pragma once

#include "core/clock.h"

namespace tgate::dispatch {

class Pacer {
 public:
  explicit Pacer(double rate_per_sec, int catch_up = 2,
                 std::chrono::steady_clock::duration tick = std::chrono::steady_clock::duration::zero())
      : catch_up_(catch_up < 1 ? 1 : catch_up), tick_(tick) {
    SetRate(rate_per_sec);
  }

  void SetRate(double rate_per_sec);
  double rate() const { return rate_; }

  SteadyTime NextAllowed(SteadyTime now) const { return next_ > now ? next_ : now; }
  // Events that fall due within one tick (at least 1): what goes together.
  int Batch() const;
  // When `n` events are due (n = Batch() at most): the time to wake up to send them.
  SteadyTime WakeAt(int n, SteadyTime now) const;
  void Record(SteadyTime t);

 private:
  double rate_ = 1;
  std::chrono::steady_clock::duration interval_{};
  int catch_up_;
  std::chrono::steady_clock::duration tick_;
  SteadyTime next_{};
};

}  // namespace tgate::dispatch
