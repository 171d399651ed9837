// Test helper for code that talks HTTP on loopback: runs one test coroutine on
// an io_context to completion, with a time limit, and stops the server it
// talked to. Test-only; never included by production code.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <exception>

#include "http/server.h"

namespace tgate::http::testing {

// Runs `test` (a callable returning Awaitable<void>) for at most 10 s, then
// stops `server` (if any) so the io_context runs out of work.
template <typename F>
void RunTest(asio::io_context& ioc, Server* server, F test) {
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        co_await test();
        done = true;
        if (server) server->Stop();
      },
      [](std::exception_ptr ep) {
        if (ep) std::rethrow_exception(ep);
      });
  ioc.run_for(std::chrono::seconds(10));
  EXPECT_TRUE(done) << "test coroutine did not finish in time";
}

}  // namespace tgate::http::testing
