#include "dispatch/rtt_spread.h"

#include <algorithm>

namespace tgate::dispatch {

RttSpread::RttSpread(Options options) : options_(options) {
  options_.samples = std::max<size_t>(2, options_.samples);
}

void RttSpread::Add(Duration rtt, SteadyTime now) {
  rtt = std::max(rtt, Duration::zero());
  Sample s{next_seq_++, now, rtt};
  samples_.push_back(s);
  while (!maxima_.empty() && maxima_.back().rtt <= rtt) maxima_.pop_back();
  maxima_.push_back(s);
  while (!minima_.empty() && minima_.back().rtt >= rtt) minima_.pop_back();
  minima_.push_back(s);
  Evict(now);
}

void RttSpread::Evict(SteadyTime now) {
  while (!samples_.empty()) {
    const SteadyTime at = samples_.front().at;
    const bool surplus = samples_.size() > options_.samples && at + options_.keep_for <= now;
    if (!surplus && at + options_.max_age >= now) break;
    const uint64_t gone = samples_.front().seq;
    samples_.pop_front();
    if (maxima_.front().seq == gone) maxima_.pop_front();
    if (minima_.front().seq == gone) minima_.pop_front();
  }
}

RttSpread::Duration RttSpread::Spread(SteadyTime now) {
  Evict(now);
  const auto n = static_cast<int64_t>(samples_.size());
  if (n < 2) return Duration::zero();
  Duration range = maxima_.front().rtt - minima_.front().rtt;
  return range * (n + 1) / (n - 1);
}

}  // namespace tgate::dispatch
