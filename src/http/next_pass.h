// NextPass: where a coroutine on a polled io_context waits for its owner's
// next round. A polled context is one its owner runs with poll() once per
// round of its own loop, from its own thread, as the dispatcher runs its
// answers context once per tick; the owner starts each round with
// Release(), then poll()s.
//
// The Client waits here between writing a request and reading its answer
// (ClientOptions::read_at_next_pass). Read right after the write, the answer
// is never there yet: the read costs a recvfrom that finds nothing, and the
// answer is found later through epoll. Read at the next round, a tick later,
// it usually is there: one recvfrom, and nothing for epoll to report. When it
// is not, the read waits on epoll as before.
//
// One per io_context (an Asio service: Of() finds or makes it). Not a timer
// and not a scheduler: nothing but the owner's Release() lets a waiter on.
// Waiters still parked when the io_context is destroyed are destroyed
// without being resumed, as Asio does with any operation it never ran.
// Threading: the io_context's one thread (the owner polls from it).
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <utility>
#include <vector>

#include "http/asio.h"

namespace tgate::http {

class NextPass final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;

  explicit NextPass(asio::execution_context& context);

  // The io_context's NextPass (made at the first call).
  static NextPass& Of(asio::io_context& context);

  // Completes at the owner's next Release(), which resumes the waiter in place.
  template <typename Token>
  auto Wait(Token&& token) {
    return asio::async_initiate<Token, void()>(
        [this](auto handler) { parked_.emplace_back(std::move(handler)); }, token);
  }

  // Starts a round: resumes every waiter parked so far, each until it next
  // waits (the Client: until its read has found the answer, or waits on
  // epoll); what they started completes in the poll() that follows. Those
  // that park meanwhile wait for the next round. Called from the thread that
  // polls the io_context, never from inside its poll(): the waiters run
  // here, in order, as the poll() would have run them, without a pass
  // through its queue (which would cost the round one more epoll_wait).
  void Release();

  size_t parked() const { return parked_.size(); }

 private:
  void shutdown() override;

  std::vector<asio::any_completion_handler<void()>> parked_;
  std::vector<asio::any_completion_handler<void()>> releasing_;  // kept for its capacity
};

}  // namespace tgate::http
