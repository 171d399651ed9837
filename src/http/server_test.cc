// Server tests over real loopback sockets (127.0.0.1, port 0). Every test runs
// its io_context with a deadline so a bug cannot hang the suite.
#include "http/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/sanitizers.h"
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
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kUseAwaitable);
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

// A connection's buffer grows after a request longer than it (so the next
// such request takes one read): the requests after, one longer still and one
// pipelined behind it in the same write, come through whole and in order.
TEST(Server, RequestsLongerThanTheConnectionsBufferComeThroughWholeAndInOrder) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto post = [](const std::string& target, const std::string& body) {
      return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n" + body;
    };
    const std::string first(3000, 'a'), second(40000, 'b'), third = "c";
    beast::tcp_stream stream(ioc);
    stream.expires_after(5s);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                  kUseAwaitable);
    beast::flat_buffer buffer;
    co_await asio::async_write(stream, asio::buffer(post("/1", first)), kUseAwaitable);
    bhttp::response<bhttp::string_body> r1;
    co_await bhttp::async_read(stream, buffer, r1, kUseAwaitable);
    EXPECT_EQ(r1.body(), "/1|" + first);
    co_await asio::async_write(stream, asio::buffer(post("/2", second) + post("/3", third)), kUseAwaitable);
    bhttp::response<bhttp::string_body> r2, r3;
    co_await bhttp::async_read(stream, buffer, r2, kUseAwaitable);
    co_await bhttp::async_read(stream, buffer, r3, kUseAwaitable);
    EXPECT_EQ(r2.body(), "/2|" + second);
    EXPECT_EQ(r3.body(), "/3|" + third);
  });
}

// A session runs its handler on its own executor: a strand of the Server's,
// unless that one runs on one thread only, when the strand's lock on every
// handler buys nothing.
TEST(Server, SessionsTakeAStrandUnlessTheExecutorRunsOnOneThread) {
  for (bool one_thread : {false, true}) {
    SCOPED_TRACE(one_thread ? "one thread" : "any threads");
    asio::io_context ioc;
    ServerOptions opts;
    opts.executor_is_one_thread = one_thread;
    int strands = 0, plain = 0;
    Server server(ioc.get_executor(), opts, [&](Request req) -> Awaitable<Response> {
      auto ex = co_await asio::this_coro::executor;
      strands += ex.target<asio::strand<asio::any_io_executor>>() != nullptr;
      plain += ex.target<asio::io_context::executor_type>() != nullptr;
      co_return TextResponse(req, 200, "ok");
    });
    ASSERT_OK(server.Start());
    RunTest(ioc, &server, [&]() -> Awaitable<void> {
      beast::tcp_stream a(ioc), b(ioc);
      for (int i = 0; i < 2; ++i) {
        for (beast::tcp_stream* s : {&a, &b}) {
          auto r = co_await RawExchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", s);
          EXPECT_EQ(r.result_int(), 200);
          EXPECT_TRUE(r.keep_alive());
        }
      }
    });
    EXPECT_EQ(strands, one_thread ? 0 : 4);
    EXPECT_EQ(plain, one_thread ? 4 : 0);
  }
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
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
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
      },
      asio::detached);
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
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        co_await RawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
        server->Stop();
        server.reset();
        stream.socket().close();
      },
      asio::detached);
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
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        auto r = co_await RawExchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(r.body(), "finished");
        EXPECT_FALSE(r.keep_alive());
        done = true;
      },
      asio::detached);
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

// The idle timeout bounds reads and writes, not the handler: one slower than
// it still has its answer written, and the connection stays usable.
TEST(Server, AHandlerSlowerThanTheIdleTimeoutIsStillAnswered) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.idle_timeout = 250ms;
  Server server(ioc.get_executor(), opts, [&ioc](Request req) -> Awaitable<Response> {
    asio::steady_timer slow(ioc, 800ms);
    co_await slow.async_wait(kAsTuple);
    co_return TextResponse(req, 200, "slow " + std::string(req.target()));
  });
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream stream(ioc);
    auto r1 = co_await RawExchange(server.port(), "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r1.body(), "slow /1");
    auto r2 = co_await RawExchange(server.port(), "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n", &stream);
    EXPECT_EQ(r2.body(), "slow /2");
  });
}

// Connects to the server and waits until it has admitted the connection (so
// the order of admissions is the order of calls).
Awaitable<void> ConnectAndWaitAdmitted(Server& server, beast::tcp_stream& stream) {
  const uint64_t before = server.stats().open;
  stream.expires_after(5s);
  co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                kUseAwaitable);
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (server.stats().open == before) {
    t.expires_after(1ms);
    co_await t.async_wait(kAsTuple);
  }
}

// True if the server closed `stream` (a read sees EOF or a reset, not our guard).
Awaitable<bool> ClosedByServer(beast::tcp_stream& stream) {
  char byte;
  stream.expires_after(5s);
  auto [ec, n] = co_await stream.async_read_some(asio::buffer(&byte, 1), kAsTuple);
  co_return ec == asio::error::eof || ec == asio::error::connection_reset;
}

TEST(Server, AtTheCapTheIdlestNeverAnsweredConnectionMakesRoomAndTheWebhookGoesLast) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.max_connections = 4;
  opts.priority_prefixes = {"/hooks/"};
  Server server(ioc.get_executor(), opts, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    const std::string get = " HTTP/1.1\r\nHost: x\r\n\r\n";
    beast::tcp_stream hook(ioc), site(ioc), silent1(ioc), silent2(ioc), newcomer(ioc), late(ioc);
    // The webhook connection is the idlest of all, but ranks highest.
    EXPECT_EQ((co_await RawExchange(server.port(), "POST /hooks/t" + get, &hook)).result_int(), 200);
    EXPECT_EQ((co_await RawExchange(server.port(), "GET /site" + get, &site)).result_int(), 200);
    co_await ConnectAndWaitAdmitted(server, silent1);
    co_await ConnectAndWaitAdmitted(server, silent2);
    EXPECT_EQ(server.stats().open, 4u);

    // At the cap: the idlest connection that never got an answer goes.
    auto r = co_await RawExchange(server.port(), "GET /newcomer" + get, &newcomer);
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_TRUE(co_await ClosedByServer(silent1));
    EXPECT_EQ((co_await RawExchange(server.port(), "GET /s2" + get, &silent2)).body(), "/s2|");
    EXPECT_EQ(server.stats().evicted, 1u);

    // Every connection has had an answer now: the idlest non-webhook one goes
    // (`site`), not the idler webhook one.
    EXPECT_EQ((co_await RawExchange(server.port(), "GET /late" + get, &late)).result_int(), 200);
    EXPECT_TRUE(co_await ClosedByServer(site));
    EXPECT_EQ((co_await RawExchange(server.port(), "POST /hooks/t2" + get, &hook)).body(), "/hooks/t2|");
    EXPECT_EQ(server.stats().evicted, 2u);
    EXPECT_EQ(server.stats().open, 4u);
  });
}

TEST(Server, AtTheCapWithEveryConnectionBusyTheNewOneIsRefused) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.max_connections = 1;
  asio::steady_timer release(ioc, asio::steady_timer::time_point::max());
  bool handling = false;
  Server server(ioc.get_executor(), opts, [&](Request req) -> Awaitable<Response> {
    handling = true;
    co_await release.async_wait(kAsTuple);  // busy until the test says so
    co_return TextResponse(req, 200, "done");
  });
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream busy(ioc), refused(ioc);
    co_await ConnectAndWaitAdmitted(server, busy);
    co_await asio::async_write(busy, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
                               kUseAwaitable);
    asio::steady_timer t(ioc);
    while (!handling) {
      t.expires_after(1ms);
      co_await t.async_wait(kAsTuple);
    }
    refused.expires_after(5s);
    co_await refused.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                   kUseAwaitable);
    EXPECT_TRUE(co_await ClosedByServer(refused));
    EXPECT_EQ(server.stats().refused, 1u);
    release.cancel();
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    co_await bhttp::async_read(busy, buffer, res, kUseAwaitable);
    EXPECT_EQ(res.body(), "done");  // the busy request was not cut short
  });
}

TEST(Server, AConnectionThatSendsNothingIsClosedAtTheHeaderTimeout) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.header_timeout = 50ms;
  opts.idle_timeout = 30s;
  Server server(ioc.get_executor(), opts, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    beast::tcp_stream silent(ioc);
    silent.expires_after(5s);
    co_await silent.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()),
                                  kUseAwaitable);
    EXPECT_TRUE(co_await ClosedByServer(silent));  // long before the 30 s idle timeout or our 5 s guard

    // After its first request a connection has the idle timeout, not the header one.
    beast::tcp_stream talker(ioc);
    EXPECT_EQ((co_await RawExchange(server.port(), "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n", &talker)).body(),
              "/1|");
    asio::steady_timer t(ioc, 300ms);
    co_await t.async_wait(kAsTuple);
    EXPECT_EQ((co_await RawExchange(server.port(), "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n", &talker)).body(),
              "/2|");
  });
}

TEST(Server, OverlongTargetGets414AndOverlongHeadersGet431) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, EchoHandler());
  ASSERT_OK(server.Start());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r1 = co_await RawExchange(server.port(),
                                   "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r1.result_int(), 414);
    EXPECT_EQ(r1.body(),
              R"({"error":{"code":"uri_too_long","message":"request target exceeds 8192 bytes"}})");
    EXPECT_FALSE(r1.keep_alive());
    auto r2 = co_await RawExchange(
        server.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n");
    EXPECT_EQ(r2.result_int(), 431);
    EXPECT_EQ(r2.body(),
              R"({"error":{"code":"headers_too_large","message":"request headers exceed 8192 bytes"}})");
    // Just under the limit is still served.
    auto r3 = co_await RawExchange(server.port(),
                                   "GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r3.result_int(), 200);
  });
}

// Captures what spdlog's default logger writes ("level: message" lines) while
// it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("server_test",
                                                   std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("%l: %v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() {
    spdlog::set_default_logger(previous_);
    spdlog::drop("server_test");
  }
  size_t Count(std::string_view needle) const {
    const std::string text = out_.str();
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Restores the soft RLIMIT_NOFILE on scope exit.
class SoftFdLimit {
 public:
  explicit SoftFdLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low = saved_;
    low.rlim_cur = soft;
    ok_ = setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~SoftFdLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

// Fills the holes below the highest open descriptor with /dev/null (so that
// a limit just above it leaves an exact number of free descriptors) and
// returns that descriptor; the fillers are closed on destruction.
class PackedFds {
 public:
  PackedFds() {
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      highest_ = std::max(highest_, std::stoi(e.path().filename().string()));
    }
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY);
      if (fd < 0 || fd >= highest_) {
        if (fd >= 0) ::close(fd);
        break;
      }
      fillers_.push_back(fd);
    }
  }
  ~PackedFds() {
    for (int fd : fillers_) ::close(fd);
  }
  int highest() const { return highest_; }

 private:
  int highest_ = 0;
  std::vector<int> fillers_;
};

TEST(Server, OutOfDescriptorsAnIdleConnectionIsClosedSoANewClientIsAnswered) {
#if defined(TGATE_UNDER_SANITIZERS)
  // The sanitizers' own runtime needs descriptors (UBSan's vptr check opens a
  // pipe to probe memory) and reports a false error when they have run out.
  GTEST_SKIP() << "needs every descriptor: not under the sanitizers";
#endif
  asio::io_context ioc;
  ServerOptions opts;
  opts.max_connections = 100000;  // the cap is not what stops it here: the descriptors run out
  Server server(ioc.get_executor(), opts, EchoHandler());
  ASSERT_OK(server.Start());
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  // 30 idle clients wait in the listen backlog, and one more socket is open
  // for later: all made before the limit is lowered.
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 30; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect(endpoint);
  }
  beast::tcp_stream client(ioc);
  client.socket().open(tcp::v4());
  CapturedLog log;
  // Room for only a few accepted connections.
  PackedFds packed;
  SoftFdLimit limit(packed.highest() + 1 + 5);
  ASSERT_TRUE(limit.ok());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    asio::steady_timer t(ioc);
    while (server.stats().accept_errors == 0) {
      t.expires_after(1ms);
      co_await t.async_wait(kAsTuple);
    }
    client.expires_after(5s);
    co_await client.async_connect(endpoint, kUseAwaitable);
    auto r = co_await RawExchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &client);
    EXPECT_EQ(r.body(), "/healthz|");
    EXPECT_GT(server.stats().evicted, 0u);
  });
  // Every failed accept made room, and the episode was logged once.
  EXPECT_GT(server.stats().accept_errors, 1u);
  EXPECT_EQ(log.Count("warning: http server: accept failed"), 1u);
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
