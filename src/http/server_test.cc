// Server tests over real loopback sockets (127.0.0.1, port 0). Every test runs
// its io_context with a deadline so a bug cannot hang the suite.
#include "http/server.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/testing.h"
#include "http/testing.h"

namespace tgate::http {
namespace {

using namespace std::chrono_literals;
using testing::RunTest;
using tcp = asio::ip::tcp;

// Writes `raw` to 127.0.0.1:port, then reads one HTTP response.
Awaitable<bhttp::response<bhttp::string_body>> RawExchange(uint16_t port, std::string raw,
                                                           beast::tcp_stream* keep = nullptr) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream local(ex);
  beast::tcp_stream& stream = keep ? *keep : local;
  if (!stream.socket().is_open()) {
    stream.expires_after(5s);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                  kUseAwaitable);
  }
  stream.expires_after(5s);
  co_await asio::async_write(stream, asio::buffer(raw), kUseAwaitable);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  co_await bhttp::async_read(stream, buffer, res, kUseAwaitable);
  co_return res;
}

Handler EchoHandler() {
  return [](Request req) -> Awaitable<Response> {
    co_return TextResponse(req, 200, std::string(req.target()) + "|" + req.body());
  };
}

TEST(Server, AnswersARequestAndKeepsTheConnectionAlive) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server.Start());
  ASSERT_NE(server.port(), 0);
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(ioc);
    auto r1 = co_await RawExchange(server.port(),
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", &stream);
    EXPECT_EQ(r1.result_int(), 200);
    EXPECT_EQ(r1.body(), "/a|hi");
    EXPECT_TRUE(r1.keep_alive());
    auto r2 = co_await RawExchange(server.port(), "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r2.body(), "/b|");
  });
}

TEST(Server, BodyOverLimitGets413AndCloses) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.body_limit = 10;
  Server server(ioc.get_executor(), opts, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await RawExchange(server.port(),
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890");
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_EQ(r.body(),
              R"({"error":{"code":"payload_too_large","message":"request body exceeds 10 bytes"}})");
    EXPECT_FALSE(r.keep_alive());
  });
}

TEST(Server, MalformedRequestLineGets400) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await RawExchange(server.port(), "THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_FALSE(r.keep_alive());
  });
}

TEST(Server, HandlerExceptionGets500AndServerKeepsServing) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, [](Request req) -> Awaitable<Response> {
    if (req.target() == "/boom") throw std::runtime_error("kaboom");
    co_return TextResponse(req, 200, "fine");
  });
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(ioc);
    auto r1 = co_await RawExchange(server.port(), "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r1.result_int(), 500);
    EXPECT_NE(r1.body().find("internal"), std::string::npos);
    // Same connection still works, and so does a new one.
    auto r2 = co_await RawExchange(server.port(), "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r2.body(), "fine");
    auto r3 = co_await RawExchange(server.port(), "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r3.body(), "fine");
  });
}

TEST(Server, StopLetsRunReturnWithAnIdleConnectionOpen) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server.Start());
  beast::tcp_stream stream(ioc);  // stays open and idle after the exchange
  bool stopped = false;
  asio::co_spawn(ioc, [&]() -> Awaitable<void> {
    auto r = co_await RawExchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r.result_int(), 200);
    server.Stop();
    stopped = true;
    // The server closes our idle connection: the next read sees EOF.
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    stream.expires_after(5s);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, res, kAsTuple);
    EXPECT_TRUE(ec);
    stream.socket().close();
  }, asio::detached);
  auto start = std::chrono::steady_clock::now();
  ioc.run_for(10s);
  EXPECT_TRUE(stopped);
  EXPECT_TRUE(ioc.stopped());  // ran out of work rather than timing out
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Server, CanBeDestroyedAfterStopWhileSessionsUnwind) {
  asio::io_context ioc;
  auto server = std::make_unique<Server>(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server->Start());
  beast::tcp_stream stream(ioc);
  asio::co_spawn(ioc, [&]() -> Awaitable<void> {
    co_await RawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    server->Stop();
    server.reset();
    stream.socket().close();
  }, asio::detached);
  ioc.run_for(10s);
  EXPECT_TRUE(ioc.stopped());
  EXPECT_EQ(server, nullptr);
}

TEST(Server, StopLetsAnInFlightRequestFinishThenCloses) {
  asio::io_context ioc;
  Server* server_ptr = nullptr;
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    server_ptr->Stop();  // arrives while this request is being handled
    asio::steady_timer t(co_await asio::this_coro::executor, 10ms);
    co_await t.async_wait(kAsTuple);
    co_return TextResponse(req, 200, "finished");
  });
  server_ptr = &server;
  ASSERT_OK(server.Start());
  bool done = false;
  asio::co_spawn(ioc, [&]() -> Awaitable<void> {
    auto r = co_await RawExchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.body(), "finished");
    EXPECT_FALSE(r.keep_alive());
    done = true;
  }, asio::detached);
  ioc.run_for(10s);
  EXPECT_TRUE(done);
  EXPECT_TRUE(ioc.stopped());
}

TEST(Server, IdleConnectionIsClosedAfterIdleTimeout) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.idle_timeout = 1s;
  Server server(ioc.get_executor(), opts, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(ioc);
    stream.expires_after(5s);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                  kUseAwaitable);
    auto start = std::chrono::steady_clock::now();
    char byte;
    stream.expires_after(5s);
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(&byte, 1), kAsTuple);
    EXPECT_EQ(ec, asio::error::eof);  // the server hung up, not our 5 s guard
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  });
}

TEST(Server, BindingATakenPortFailsWithUnavailable) {
  asio::io_context ioc;
  Server first(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(first.Start());
  ServerOptions opts;
  opts.port = first.port();
  Server second(ioc.get_executor(), opts, EchoHandler());
  Status s = second.Start();
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  first.Stop();
  ioc.run_for(2s);
}

}  // namespace
}  // namespace tgate::http
