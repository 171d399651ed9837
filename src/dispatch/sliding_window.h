// SlidingWindow: a pure rate limit "at most N events in any interval of
// length W" (the rule Telegram's limits are modelled on, and the one the
// emulator enforces on arrival time). Time is an argument: no clock, no timer
// (like tdlib's FloodControlFast), so every limit is tested with numbers.
// Not thread-safe; one per limited thing (the bot, a chat, a group).
#pragma once

#include <chrono>
#include <vector>

#include "core/clock.h"

namespace tgate::dispatch {

class SlidingWindow {
 public:
  using Duration = std::chrono::steady_clock::duration;

  SlidingWindow(int count, Duration window) { Reset(count, window); }

  // Changes the limit, keeping the most recent events.
  void Reset(int count, Duration window);
  // Changes only the window's length (the events stay; O(1)).
  void SetWindow(Duration window) { window_ = window; }

  // Earliest time an event may happen without exceeding the limit (>= now).
  SteadyTime NextAllowed(SteadyTime now) const;
  // Earliest time `n` events may happen together (n is capped at the count).
  SteadyTime NextAllowedFor(int n, SteadyTime now) const;
  // An event happened at `t` (t never decreases).
  void Record(SteadyTime t);
  // True if no recorded event still counts at `now` (the state can be dropped).
  bool Idle(SteadyTime now) const;

  int count() const { return count_; }
  Duration window() const { return window_; }

 private:
  int count_ = 1;
  Duration window_{};
  std::vector<SteadyTime> ring_;  // the last `count_` events, oldest at head_
  size_t head_ = 0;
};

}  // namespace tgate::dispatch
