// RunAwait: runs one awaitable to completion from a test's plain (non-
// coroutine) code, on the test's io_context, and returns its value. The
// io_context is run (one handler at a time) until the awaitable ends, so it
// works for awaitables that really suspend on sockets and timers of that
// io_context (a PostgreSQL store's), and runs whatever else the test has
// queued there meanwhile. An exception the awaitable throws is rethrown.
// The io_context is left ready to run again (restarted if it stopped).
// Test-only; not a way to block on a coroutine in production code (the io
// thread must never wait for itself).
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/awaitable.h"

namespace tgate::testing {

namespace await_internal {

// Runs `io` until `done`; throws if it runs out of work first (the awaitable
// waits for something nothing will ever complete).
inline void RunUntil(asio::io_context& io, const bool& done) {
  if (io.stopped()) io.restart();
  while (!done) {
    if (io.run_one() == 0) {
      io.restart();
      if (!done)
        throw std::logic_error("RunAwait: the io_context ran out of work before the awaitable ended");
    }
  }
  // Out of work, the io_context stopped itself: ready to run again.
  if (io.stopped()) io.restart();
}

}  // namespace await_internal

template <typename T>
T RunAwait(asio::io_context& io, Awaitable<T> awaitable) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(
      io, [&]() -> Awaitable<void> { result.emplace(co_await std::move(awaitable)); },
      [&](std::exception_ptr e) {
        error = e;
        done = true;
      });
  await_internal::RunUntil(io, done);
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline void RunAwait(asio::io_context& io, Awaitable<void> awaitable) {
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(awaitable), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  await_internal::RunUntil(io, done);
  if (error) std::rethrow_exception(error);
}

}  // namespace tgate::testing
