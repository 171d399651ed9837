// RttSpread: a running estimate of how unevenly requests reach Telegram —
// the width of the spread of the recent sends' round-trip times (from the
// moment the Scheduler counted a send to the moment its answer was read).
// Requests released evenly arrive unevenly by up to that width, so the
// Scheduler widens its windows by it (SetJitterMargin, scheduler.h). A round
// trip over-states the one-way trip's spread (the answer's leg and its
// reading add their own), which errs on the safe side.
// Not a latency figure (no mean, no percentiles), not a clock: time is an
// argument. Pure; not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/clock.h"

namespace tgate::dispatch {

class RttSpread {
 public:
  using Duration = std::chrono::steady_clock::duration;

  struct Options {
    size_t samples = 256;                        // the most recent round trips that count
    Duration max_age = std::chrono::minutes(5);  // older ones no longer count
    // Round trips answered this recently count however many there are: a
    // send's lateness matters for as long as it stays in a window the next
    // sends are measured against (the global window, 1 s, plus its widest
    // margin). At 600 sends/s, 256 samples were 0.43 s: a stall at a run's
    // start was forgotten before the window it compressed came round again.
    Duration keep_for = std::chrono::seconds(2);
  };

  RttSpread() : RttSpread(Options{}) {}
  explicit RttSpread(Options options);

  // A round trip of `rtt`, answered at `now` (now never decreases).
  void Add(Duration rtt, SteadyTime now);

  // The estimated width of the distribution the round trips come from: the
  // range (max - min) of the `n` samples that count at `now` (the most recent
  // `samples`, and every one younger than `keep_for`, none older than `max_age`), stretched by
  // (n + 1) / (n - 1) — n samples of a uniform spread cover (n - 1) / (n + 1)
  // of its width on average, so a few samples do not under-state it. Zero
  // with fewer than two samples.
  Duration Spread(SteadyTime now);

  // The samples that counted at the last Add or Spread.
  size_t samples() const { return samples_.size(); }

 private:
  struct Sample {
    uint64_t seq;
    SteadyTime at;
    Duration rtt;
  };
  void Evict(SteadyTime now);

  Options options_;
  std::deque<Sample> samples_;  // oldest first
  // Monotonic queues over samples_ for O(1) max and min: maxima_ holds
  // decreasing round trips, minima_ increasing ones, both oldest first.
  std::deque<Sample> maxima_, minima_;
  uint64_t next_seq_ = 0;
};

}  // namespace tgate::dispatch
