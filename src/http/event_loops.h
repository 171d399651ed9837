// EventLoops: N event loops (io_contexts), each run by one thread of its own,
// handing out their executors round-robin: what a connection is given, it
// keeps, so its handlers run on that one thread in order with no strand to
// pass through. The transport threads of http::Server; not a general thread
// pool (work is not balanced once placed).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "http/asio.h"

namespace tgate::http {

class EventLoops {
 public:
  using Executor = asio::io_context::executor_type;

  // Starts `threads` (at least 1) threads, each running one loop.
  explicit EventLoops(size_t threads);
  // Stop() and Join().
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  // The next loop's executor, round-robin. Thread-safe.
  Executor Next();
  // Makes every loop return as soon as it can; handlers still queued are not run.
  void Stop();
  // Waits for the threads to end. Call after Stop().
  void Join();

 private:
  struct Loop {
    asio::io_context context{1};
    asio::executor_work_guard<Executor> keep{context.get_executor()};
    std::thread thread;
  };
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<size_t> next_{0};
};

}  // namespace tgate::http
