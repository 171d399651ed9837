// EventLoops implementation: each loop's work guard keeps it running while it
// has nothing to do; Stop() stops the contexts outright, so a loop holding
// parked sessions (waiting for a read forever) still returns.
#include "http/event_loops.h"

#include <algorithm>

namespace tgate::http {

EventLoops::EventLoops(size_t threads) {
  loops_.reserve(std::max<size_t>(threads, 1));
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    auto loop = std::make_unique<Loop>();
    asio::io_context& context = loop->context;
    loop->thread = std::thread([&context] { context.run(); });
    loops_.push_back(std::move(loop));
  }
}

EventLoops::~EventLoops() {
  Stop();
  Join();
}

EventLoops::Executor EventLoops::Next() {
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]->context.get_executor();
}

void EventLoops::Stop() {
  for (auto& loop : loops_) loop->context.stop();
}

void EventLoops::Join() {
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace tgate::http
