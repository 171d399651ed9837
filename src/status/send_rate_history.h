// SendRateHistory: the send rate of one bot over the last hour, as a ring of
// per-interval counts (default 360 intervals of 10 s). Fed by sampling a
// running total (the dispatcher's `sent` counter) whenever the caller likes;
// each sample adds what was sent since the previous one to the interval it
// falls in. Time comes from the injected Clock. Not a metric (core/metrics.h
// exposes totals; this keeps the shape of the last hour for the status page).
// Threading: one thread (the io thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "core/clock.h"

namespace tgate::status {

class SendRateHistory {
 public:
  struct Point {
    double seconds_ago = 0;  // end of the interval, before now
    double per_second = 0;   // messages sent per second in it
  };

  explicit SendRateHistory(const Clock& clock, std::chrono::seconds interval = std::chrono::seconds(10),
                           std::chrono::seconds span = std::chrono::hours(1));

  // `sent_total`: the running total now. The first sample only sets the
  // baseline; a total lower than the previous one (a restarted counter)
  // counts from zero.
  void Sample(uint64_t sent_total);

  // Oldest first, one point per interval from the first sample (at most
  // span/interval), the current interval last: its rate over the part of it
  // that has passed (at least one second).
  std::vector<Point> Points() const;
  std::chrono::seconds interval() const { return interval_; }

 private:
  struct Bucket {
    int64_t index;
    uint64_t count;
  };
  int64_t IndexAt(SteadyTime t) const;

  const Clock& clock_;
  const std::chrono::seconds interval_;
  const size_t capacity_;
  const SteadyTime origin_;
  bool have_baseline_ = false;
  uint64_t last_total_ = 0;
  int64_t first_index_ = 0;
  std::deque<Bucket> buckets_;  // by index, gaps are empty intervals
};

}  // namespace tgate::status
