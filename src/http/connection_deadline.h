// ConnectionDeadline: the time by which a server connection's current read or
// write must end, kept in a field and watched by one timer that is armed
// again only when it fires before the deadline (because a later one was set
// meanwhile). Setting a deadline per operation then costs a clock read, where
// beast::tcp_stream arms a timer for every read and write and cancels it
// after (a timer queue insert, a removal and an aborted handler each: 5 % of
// a transport thread under load). An earlier deadline than the armed one
// (a header timeout after a longer idle one) re-arms at once.
// Watch() is the watcher: it runs beside the connection's session and calls
// `on_expire` (which closes the socket, so the pending operation ends with an
// error) once the deadline passes.
// Not the client's timeouts (deadline_watch.h watches a pool's connections
// with one timer); not thread-safe: the connection's executor only.
#pragma once

#include <chrono>
#include <functional>

#include "http/asio.h"

namespace tgate::http {

class ConnectionDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionDeadline(asio::any_io_executor executor);
  ConnectionDeadline(const ConnectionDeadline&) = delete;
  ConnectionDeadline& operator=(const ConnectionDeadline&) = delete;

  // The operation about to start must end within `timeout`.
  void ExpiresAfter(Clock::duration timeout);
  // Nothing is under way that may time out (a handler is running).
  void Clear();
  // Runs until Stop(), or until the deadline passed and `on_expire` was
  // called. The caller keeps this object alive until it returns.
  Awaitable<void> Watch(std::function<void()> on_expire);
  // Ends Watch() without calling `on_expire`.
  void Stop();
  // Whether Watch() found the deadline passed.
  bool expired() const { return expired_; }

 private:
  void Set(Clock::time_point deadline);

  asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_for_ = Clock::time_point::max();  // the watcher's timer; max(): parked
  bool stopped_ = false;
  bool expired_ = false;
};

}  // namespace tgate::http
