#include "dispatch/sliding_window.h"

#include <algorithm>

namespace tgate::dispatch {

void SlidingWindow::Reset(int count, Duration window) {
  std::vector<SteadyTime> ordered;
  ordered.reserve(ring_.size());
  for (size_t i = 0; i < ring_.size(); ++i) ordered.push_back(ring_[(head_ + i) % ring_.size()]);
  count_ = std::max(1, count);
  window_ = window;
  if (ordered.size() > static_cast<size_t>(count_)) {
    ordered.erase(ordered.begin(), ordered.end() - count_);
  }
  ring_ = std::move(ordered);
  head_ = 0;
}

SteadyTime SlidingWindow::NextAllowed(SteadyTime now) const {
  if (ring_.size() < static_cast<size_t>(count_)) return now;
  // The oldest of the last N events must leave the window first.
  return std::max(now, ring_[head_] + window_);
}

SteadyTime SlidingWindow::NextAllowedFor(int n, SteadyTime now) const {
  size_t want = static_cast<size_t>(std::clamp(n, 1, count_));
  size_t free = static_cast<size_t>(count_) - ring_.size();
  if (want <= free) return now;
  // The oldest (want - free) events must have left the window.
  size_t last_to_leave = (head_ + (want - free) - 1) % ring_.size();
  return std::max(now, ring_[last_to_leave] + window_);
}

void SlidingWindow::Record(SteadyTime t) {
  if (ring_.size() < static_cast<size_t>(count_)) {
    ring_.push_back(t);
    return;
  }
  ring_[head_] = t;
  head_ = (head_ + 1) % ring_.size();
}

bool SlidingWindow::Idle(SteadyTime now) const {
  if (ring_.empty()) return true;
  size_t newest = (head_ + ring_.size() - 1) % ring_.size();
  return ring_[newest] + window_ <= now;
}

}  // namespace tgate::dispatch
