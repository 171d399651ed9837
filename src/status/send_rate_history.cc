#include "status/send_rate_history.h"

#include <algorithm>

namespace tgate::status {

SendRateHistory::SendRateHistory(const Clock& clock, std::chrono::seconds interval, std::chrono::seconds span)
    : clock_(clock),
      interval_(std::max(interval, std::chrono::seconds(1))),
      capacity_(size_t(std::max<int64_t>(1, span / interval_))),
      origin_(clock.Now()) {}

int64_t SendRateHistory::IndexAt(SteadyTime t) const { return (t - origin_) / interval_; }

void SendRateHistory::Sample(uint64_t sent_total) {
  const int64_t index = IndexAt(clock_.Now());
  if (!have_baseline_) {
    have_baseline_ = true;
    last_total_ = sent_total;
    first_index_ = index;
    return;
  }
  const uint64_t delta = sent_total >= last_total_ ? sent_total - last_total_ : sent_total;
  last_total_ = sent_total;
  if (buckets_.empty() || buckets_.back().index != index) buckets_.push_back({index, 0});
  buckets_.back().count += delta;
  while (!buckets_.empty() && buckets_.front().index <= index - int64_t(capacity_)) buckets_.pop_front();
}

std::vector<SendRateHistory::Point> SendRateHistory::Points() const {
  std::vector<Point> out;
  if (!have_baseline_) return out;
  const SteadyTime now = clock_.Now();
  const int64_t current = IndexAt(now);
  const int64_t first = std::max(first_index_, current - int64_t(capacity_) + 1);
  const double step = std::chrono::duration<double>(interval_).count();
  const double into_current = std::chrono::duration<double>(now - (origin_ + current * interval_)).count();
  auto bucket = buckets_.begin();
  for (int64_t i = first; i <= current; ++i) {
    while (bucket != buckets_.end() && bucket->index < i) ++bucket;
    const uint64_t count = bucket != buckets_.end() && bucket->index == i ? bucket->count : 0;
    Point p;
    if (i == current) {
      p.seconds_ago = 0;
      p.per_second = double(count) / std::max(1.0, into_current);
    } else {
      p.seconds_ago = into_current + double(current - 1 - i) * step;
      p.per_second = double(count) / step;
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace tgate::status
