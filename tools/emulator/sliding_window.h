// SlidingWindow: "at most N events in any interval of length W", over event
// times given by the caller. The emulator's model of Telegram's flood limits
// (botapi-facts.md §1); the dispatcher is built to exactly this rule.
// An event at time t counts for times in [t, t + W): an event exactly W after
// another no longer sees it. Not a token bucket: there is no refill rate, only
// the last N accepted times. Pure and single-threaded; time is an argument.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

#include "core/clock.h"

namespace tgate::emulator {

class SlidingWindow {
 public:
  // REQUIRES: limit >= 1, window > 0.
  SlidingWindow(size_t limit, std::chrono::nanoseconds window) : limit_(limit), window_(window) {}

  // How long until one more event would be admitted at `now`: zero when it
  // would be admitted now. Does not record anything.
  std::chrono::nanoseconds WaitFor(SteadyTime now);
  // Records an event at `now`. REQUIRES: WaitFor(now) == 0 and `now` is not
  // before the previous recorded event.
  void Record(SteadyTime now);

  // Events recorded within the window ending at `now`.
  size_t CountAt(SteadyTime now);
  // True when nothing recorded is still inside the window (safe to discard).
  bool IdleAt(SteadyTime now) const { return times_.empty() || times_.back() + window_ <= now; }

 private:
  void Expire(SteadyTime now);

  size_t limit_;
  std::chrono::nanoseconds window_;
  std::deque<SteadyTime> times_;  // at most limit_ entries, oldest first
};

}  // namespace tgate::emulator
