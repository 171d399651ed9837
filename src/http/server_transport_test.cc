// Server tests with transport threads (ServerOptions::transport_threads):
// connections are read and written on the Server's own threads while every
// handler still runs on the executor given at construction. Real loopback
// sockets; every io_context runs with a deadline so a bug cannot hang the suite.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/testing.h"
#include "http/server.h"
#include "http/testing.h"

namespace tgate::http {
namespace {

using namespace std::chrono_literals;
using testing::RunTest;
using tcp = asio::ip::tcp;

ServerOptions WithTransport(size_t threads) {
  ServerOptions o;
  o.transport_threads = threads;
  return o;
}

// One request on `stream` (connected on first use), its response read back.
Awaitable<bhttp::response<bhttp::string_body>> Exchange(uint16_t port, beast::tcp_stream& stream,
                                                        const std::string& target) {
  if (!stream.socket().is_open()) {
    stream.expires_after(5s);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kUseAwaitable);
  }
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, "x");
  req.body() = "body of " + target;
  req.prepare_payload();
  stream.expires_after(5s);
  co_await bhttp::async_write(stream, req, kUseAwaitable);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  co_await bhttp::async_read(stream, buffer, res, kUseAwaitable);
  co_return res;
}

Response Echo(const Request& req) {
  Response res{bhttp::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  res.body() = std::string(req.target()) + "|" + req.body();
  res.prepare_payload();
  return res;
}

TEST(ServerTransport, ManyConnectionsAreAnsweredAndEveryHandlerRunsOnTheExecutorsThread) {
  asio::io_context ioc;
  const std::thread::id io_thread = std::this_thread::get_id();
  std::atomic<int> handled{0}, elsewhere{0};
  Server server(ioc.get_executor(), WithTransport(2), [&](Request req) -> Awaitable<Response> {
    if (std::this_thread::get_id() != io_thread) ++elsewhere;
    ++handled;
    co_return Echo(req);
  });
  ASSERT_OK(server.Start());
  constexpr int kConnections = 16, kRequests = 25;
  int answered = 0;
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    int finished = 0;
    asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
    for (int c = 0; c < kConnections; ++c) {
      asio::co_spawn(
          ex,
          [&, c]() -> Awaitable<void> {
            beast::tcp_stream stream(ex);
            for (int r = 0; r < kRequests; ++r) {
              const std::string target = "/c" + std::to_string(c) + "/r" + std::to_string(r);
              auto res = co_await Exchange(server.port(), stream, target);
              EXPECT_EQ(res.result_int(), 200);
              EXPECT_EQ(res.body(), target + "|body of " + target);
              EXPECT_TRUE(res.keep_alive());
              ++answered;
            }
            if (++finished == kConnections) all_done.cancel();
          },
          asio::detached);
    }
    co_await all_done.async_wait(kAsTuple);
  });
  EXPECT_EQ(answered, kConnections * kRequests);
  EXPECT_EQ(handled.load(), kConnections * kRequests);
  EXPECT_EQ(elsewhere.load(), 0);
}

TEST(ServerTransport, AHandlersExceptionIsA500AndTheConnectionServesOn) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), WithTransport(1), [](Request req) -> Awaitable<Response> {
    if (req.target() == "/boom") throw std::runtime_error("handler failed");
    co_return Echo(req);
  });
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    auto bad = co_await Exchange(server.port(), stream, "/boom");
    EXPECT_EQ(bad.result_int(), 500);
    EXPECT_NE(bad.body().find("internal"), std::string::npos);
    auto good = co_await Exchange(server.port(), stream, "/next");
    EXPECT_EQ(good.result_int(), 200);
    EXPECT_EQ(good.body(), "/next|body of /next");
  });
}

TEST(ServerTransport, StopLetsAnInFlightRequestFinishThenCloses) {
  asio::io_context ioc;
  Server* server_ptr = nullptr;
  Server server(ioc.get_executor(), WithTransport(1), [&](Request req) -> Awaitable<Response> {
    server_ptr->Stop();  // arrives while this request is being handled
    asio::steady_timer t(co_await asio::this_coro::executor, 10ms);
    co_await t.async_wait(kAsTuple);
    co_return Echo(req);
  });
  server_ptr = &server;
  ASSERT_OK(server.Start());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    auto r = co_await Exchange(server.port(), stream, "/last");
    EXPECT_EQ(r.body(), "/last|body of /last");
    EXPECT_FALSE(r.keep_alive());
  });
}

// The Server goes while a handler is still running on the executor: the
// handler finishes later and its response goes nowhere; nothing of the
// transport threads is touched after they are gone (the sanitizer build
// would report it).
TEST(ServerTransport, CanBeDestroyedWhileAHandlerRuns) {
  asio::io_context ioc;
  std::unique_ptr<Server> server;
  server =
      std::make_unique<Server>(ioc.get_executor(), WithTransport(1), [&](Request req) -> Awaitable<Response> {
        server.reset();
        asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
        co_await t.async_wait(kAsTuple);
        co_return Echo(req);
      });
  ASSERT_OK(server->Start());
  const uint16_t port = server->port();
  bool client_done = false;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        try {
          co_await Exchange(port, stream, "/orphan");
        } catch (const boost::system::system_error&) {
          // the connection went with the Server: expected
        }
        client_done = true;
      },
      asio::detached);
  ioc.run_for(10s);
  EXPECT_EQ(server, nullptr);
  EXPECT_TRUE(client_done);
  EXPECT_TRUE(ioc.stopped());
}

}  // namespace
}  // namespace tgate::http
