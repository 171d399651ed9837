#include "core/await_test_util.h"

#include <gtest/gtest.h>

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <stdexcept>
#include <string>

namespace tgate::testing {
namespace {

Awaitable<int> Inline(int x) { co_return x * 2; }

TEST(RunAwait, ReturnsTheValueOfAnAwaitableThatNeverSuspends) {
  asio::io_context io;
  EXPECT_EQ(RunAwait(io, Inline(21)), 42);
  EXPECT_EQ(RunAwait(io, Inline(2)), 4) << "the io_context is usable again";
}

TEST(RunAwait, RunsTheIoContextUntilASocketReadCompletes) {
  asio::io_context io;
  asio::local::stream_protocol::socket a(io), b(io);
  asio::local::connect_pair(a, b);
  // The writer waits on a timer first, so the read really suspends.
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        asio::steady_timer timer(io, std::chrono::milliseconds(5));
        co_await timer.async_wait(asio::use_awaitable);
        co_await asio::async_write(b, asio::buffer(std::string("hello")), asio::use_awaitable);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  auto read = [&]() -> Awaitable<std::string> {
    std::string got(5, '\0');
    co_await asio::async_read(a, asio::buffer(got), asio::use_awaitable);
    co_return got;
  };
  EXPECT_EQ(RunAwait(io, read()), "hello");
}

TEST(RunAwait, RethrowsWhatTheAwaitableThrows) {
  asio::io_context io;
  auto fails = []() -> Awaitable<void> {
    throw std::runtime_error("boom");
    co_return;
  };
  EXPECT_THROW(RunAwait(io, fails()), std::runtime_error);
}

}  // namespace
}  // namespace tgate::testing
