#include "http/connection_deadline.h"

namespace tgate::http {

ConnectionDeadline::ConnectionDeadline(asio::any_io_executor executor) : timer_(std::move(executor)) {}

void ConnectionDeadline::ExpiresAfter(Clock::duration timeout) { Set(Clock::now() + timeout); }

void ConnectionDeadline::Clear() { deadline_ = Clock::time_point::max(); }

void ConnectionDeadline::Set(Clock::time_point deadline) {
  deadline_ = deadline;
  // Armed for later (or parked): wake the watcher to arm for this one.
  if (deadline < armed_for_) timer_.cancel();
}

Awaitable<void> ConnectionDeadline::Watch(std::function<void()> on_expire) {
  while (!stopped_) {
    armed_for_ = deadline_;
    timer_.expires_at(deadline_);
    // Ends at the armed time, or cancelled by an earlier Set() or by Stop().
    co_await timer_.async_wait(kAsTuple);
    armed_for_ = Clock::time_point::max();
    if (stopped_) break;
    if (deadline_ != Clock::time_point::max() && Clock::now() >= deadline_) {
      expired_ = true;
      on_expire();
      break;
    }
  }
}

void ConnectionDeadline::Stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace tgate::http
