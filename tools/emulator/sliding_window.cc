#include "tools/emulator/sliding_window.h"

namespace tgate::emulator {

void SlidingWindow::Expire(SteadyTime now) {
  // An event at t stops counting at t + W (the interval is half-open).
  while (!times_.empty() && times_.front() + window_ <= now) times_.pop_front();
}

std::chrono::nanoseconds SlidingWindow::WaitFor(SteadyTime now) {
  Expire(now);
  if (times_.size() < limit_) return std::chrono::nanoseconds(0);
  // Full: one more fits once the oldest of the last `limit_` events expires.
  return times_.front() + window_ - now;
}

void SlidingWindow::Record(SteadyTime now) {
  Expire(now);
  times_.push_back(now);
  // Only the newest `limit_` times matter for admission; older ones are
  // dropped so memory stays O(limit) (amortised O(1) per event).
  while (times_.size() > limit_) times_.pop_front();
}

size_t SlidingWindow::CountAt(SteadyTime now) {
  Expire(now);
  return times_.size();
}

}  // namespace tgate::emulator
