// Client tests against a real Server (or a raw acceptor) on 127.0.0.1 port 0.
// Every test runs its io_context with a deadline so a bug cannot hang the suite.
#include "http/client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "core/testing.h"
#include "http/server.h"
#include "http/testing.h"

namespace tgate::http {
namespace {

using namespace std::chrono_literals;
using testing::RunTest;
using tcp = asio::ip::tcp;

constexpr const char* kSecretTarget = "/bot123456:TEST-secret/sendMessage";

std::string BaseUrl(uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

TEST(Client, RoundTripReturnsStatusBodyTypeAndRetryAfter) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, [](Request req) -> Awaitable<Response> {
    Response res = JsonResponse(req, 429, std::string(req.target()) + "|" + req.body());
    res.set(bhttp::field::retry_after, "7");
    co_return res;
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()) + "/pre/"});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::post, "/x?y=1", "application/json", "{}");
    EXPECT_OK(r);
    if (!r.ok()) co_return;
    EXPECT_EQ(r->status, 429u);
    EXPECT_EQ(r->body, "/pre/x?y=1|{}");
    EXPECT_EQ(r->content_type, "application/json");
    EXPECT_EQ(r->retry_after, 7);
  });
}

TEST(Client, SendWithHeadersSetsThemAndSkipsEmptyValues) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, [](Request req) -> Awaitable<Response> {
    std::string seen = std::string(req["Authorization"]) + "|" + std::string(req["X-Empty"]) + "|" +
                       (req.find("X-Empty") == req.end() ? "absent" : "present");
    co_return TextResponse(req, 200, seen);
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port())});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    Client::Headers headers;
    headers.emplace_back(std::string("Authorization"), std::string("Bearer k"));
    headers.emplace_back(std::string("X-Empty"), std::string());
    auto r = co_await client.SendWithHeaders(bhttp::verb::post, "/h", "application/json", "{}", headers);
    EXPECT_OK(r);
    if (r.ok()) {
      EXPECT_EQ(r->body, "Bearer k||absent");
    }
  });
}

TEST(Client, SequentialRequestsReuseOneConnection) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{},
                [](Request req) -> Awaitable<Response> { co_return TextResponse(req, 200, "ok"); });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port())});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r1 = co_await client.Send(bhttp::verb::get, "/a", "", "");
    auto r2 = co_await client.Send(bhttp::verb::get, "/b", "", "");
    EXPECT_OK(r1);
    EXPECT_OK(r2);
    EXPECT_EQ(r2.ok() ? r2->retry_after : 0, -1);
    EXPECT_EQ(client.open_connections(), 1u);
  });
}

TEST(Client, FiftyConcurrentRequestsNeverUseMoreThanFourConnections) {
  asio::io_context ioc;
  int in_handler = 0, max_in_handler = 0;
  size_t max_open = 0;
  Client* client_ptr = nullptr;
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    ++in_handler;
    max_in_handler = std::max(max_in_handler, in_handler);
    max_open = std::max(max_open, client_ptr->open_connections());
    asio::steady_timer t(co_await asio::this_coro::executor, 2ms);
    co_await t.async_wait(kAsTuple);
    --in_handler;
    co_return TextResponse(req, 200, std::string(req.target()));
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()), .max_connections = 4});
  client_ptr = &client;
  ASSERT_OK(client.Init());
  int ok = 0, finished = 0;
  for (int i = 0; i < 50; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> Awaitable<void> {
          auto r = co_await client.Send(bhttp::verb::get, "/n" + std::to_string(i), "", "");
          if (r.ok() && r->status == 200 && r->body == "/n" + std::to_string(i)) ++ok;
          if (++finished == 50) server.Stop();
        },
        asio::detached);
  }
  ioc.run_for(10s);
  EXPECT_EQ(ok, 50);
  EXPECT_LE(max_in_handler, 4);
  EXPECT_GE(max_in_handler, 2);  // requests really ran in parallel
  EXPECT_LE(max_open, 4u);
  EXPECT_LE(client.open_connections(), 4u);
}

TEST(Client, OversizedBodyGets413FromServer) {
  asio::io_context ioc;
  ServerOptions opts;
  opts.body_limit = 16;
  Server server(ioc.get_executor(), opts,
                [](Request req) -> Awaitable<Response> { co_return TextResponse(req, 200, "ok"); });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port())});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::post, "/big", "text/plain", std::string(100, 'x'));
    EXPECT_OK(r);
    if (r.ok()) {
      EXPECT_EQ(r->status, 413u);
    }
    EXPECT_EQ(client.open_connections(), 0u);  // the server closed it
    auto again = co_await client.Send(bhttp::verb::post, "/small", "text/plain", "x");
    EXPECT_OK(again);
  });
}

TEST(Client, TimeoutIsUnavailableAndDoesNotNameTheTarget) {
  asio::io_context ioc;
  asio::steady_timer release(ioc, std::chrono::steady_clock::time_point::max());
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    co_await release.async_wait(kAsTuple);  // "forever", until the test ends
    co_return TextResponse(req, 200, "late");
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()), .timeout = 5000ms});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    auto r = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", "{}", 150ms);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsUnavailable());
    EXPECT_NE(r.status().message().find("timeout"), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("TEST-secret"), std::string::npos) << r.status().message();
    EXPECT_EQ(client.open_connections(), 0u);
    release.cancel();
  });
}

// Without and with the deadline timer kept armed between requests (the
// dispatcher's client keeps it).
class ClientDeadline : public ::testing::TestWithParam<bool> {};

TEST_P(ClientDeadline, ASoonerDeadlineAndOneAfterTheTimerFiredIdleStillHold) {
  // The pool's one deadline timer is armed for the first request's long
  // deadline; the second, shorter one must still end on time. A timer that
  // fired with nothing busy must be armed again by the next request.
  asio::io_context ioc;
  asio::steady_timer release(ioc, std::chrono::steady_clock::time_point::max());
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    if (req.target() == "/hang") co_await release.async_wait(kAsTuple);
    co_return TextResponse(req, 200, "ok");
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()),
                                                  .max_connections = 2,
                                                  .timer_stays_armed = GetParam()});
  ASSERT_OK(client.Init());
  auto times_out_in = [&](std::chrono::milliseconds timeout) -> Awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    auto r = co_await client.Send(bhttp::verb::get, "/hang", "", "", timeout);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, timeout - 10ms);
    EXPECT_LT(took, 2s);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("timeout"), std::string::npos) << r.status().ToString();
  };
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    EXPECT_OK(co_await client.Send(bhttp::verb::get, "/a", "", "", 1000ms));  // armed for 1 s
    co_await times_out_in(150ms);
    EXPECT_OK(co_await client.Send(bhttp::verb::get, "/b", "", "", 100ms));  // a fresh connection works
    asio::steady_timer idle(ioc, 200ms);  // past /b's deadline: a timer kept armed fires with nothing busy
    co_await idle.async_wait(kAsTuple);
    co_await times_out_in(200ms);
    EXPECT_OK(co_await client.Send(bhttp::verb::get, "/c", "", "", 300ms));
    release.cancel();
  });
}

INSTANTIATE_TEST_SUITE_P(CancelledOrStaysArmed, ClientDeadline, ::testing::Bool());

TEST(Client, AnIdleClientLeavesNoPendingWork) {
  // CLI commands run their io_context until it runs out of work: finished
  // requests must not leave a deadline timer behind.
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{},
                [](Request req) -> Awaitable<Response> { co_return TextResponse(req, 200, "ok"); });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()), .timeout = 30000ms});
  ASSERT_OK(client.Init());
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        for (int i = 0; i < 3; ++i) EXPECT_OK(co_await client.Send(bhttp::verb::get, "/a", "", ""));
        done = true;
        server.Stop();
      },
      asio::detached);
  auto start = std::chrono::steady_clock::now();
  ioc.run_for(10s);
  EXPECT_TRUE(done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "something kept the io_context busy";
}

TEST(Client, HeadersWithLineBreaksAreRefusedBeforeConnecting) {
  asio::io_context ioc;
  Client client(ioc.get_executor(), ClientOptions{.base_url = "http://127.0.0.1:9"});
  ASSERT_OK(client.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    Client::Headers headers{{"X-Sig", "a\r\nX-Evil: 1"}};
    auto r = co_await client.SendWithHeaders(bhttp::verb::post, "/h", "application/json", "{}", headers);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
    EXPECT_EQ(client.open_connections(), 0u);
  });
}

TEST(Client, ConnectionRefusedIsUnavailableAndDoesNotNameTheTarget) {
  asio::io_context ioc;
  uint16_t port;
  {
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens on `port` now
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(port)});
  ASSERT_OK(client.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", "{}");
    EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("refused"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
    EXPECT_EQ(r.status().message().find("TEST-secret"), std::string::npos) << r.status().message();
  });
}

// A server that answers each connection's first request with keep-alive, then
// closes it anyway, like a proxy dropping idle connections.
Awaitable<void> OneShotServer(tcp::acceptor& acceptor, int& accepted) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
    if (ec) co_return;
    ++accepted;
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    Request req;
    stream.expires_after(5s);
    auto [rec, n] = co_await bhttp::async_read(stream, buffer, req, kAsTuple);
    if (rec) continue;
    Response res = TextResponse(req, 200, "one");
    co_await bhttp::async_write(stream, res, kAsTuple);
    stream.socket().close();
  }
}

TEST(Client, RetriesOnceWhenTheServerClosedAnIdleConnection) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int accepted = 0;
  asio::co_spawn(ioc, OneShotServer(acceptor, accepted), asio::detached);
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(acceptor.local_endpoint().port())});
  ASSERT_OK(client.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    auto r1 = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", "{}");
    EXPECT_OK(r1);
    EXPECT_EQ(client.open_connections(), 1u);  // it looked reusable
    // Let the server's close reach us (not required, but makes the stale state certain).
    asio::steady_timer t(ioc, 20ms);
    co_await t.async_wait(kAsTuple);
    auto r2 = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", "{}");
    EXPECT_OK(r2);
    if (r2.ok()) {
      EXPECT_EQ(r2->body, "one");
    }
    EXPECT_EQ(accepted, 2);
    acceptor.close();
  });
}

// A server that waits `delay` after accepting before it reads the request
// (its socket buffers fill meanwhile), then answers with the body's size.
Awaitable<void> LateReadingServer(tcp::acceptor& acceptor, std::chrono::milliseconds delay) {
  auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
  if (ec) co_return;
  beast::tcp_stream stream(std::move(socket));
  asio::steady_timer wait(acceptor.get_executor(), delay);
  co_await wait.async_wait(kAsTuple);
  beast::flat_buffer buffer;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  stream.expires_after(5s);
  auto [rec, n] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
  if (rec) co_return;
  Request req = parser.release();
  co_await bhttp::async_write(stream, TextResponse(req, 200, std::to_string(req.body().size())), kAsTuple);
}

// A server that accepts one connection and never reads from it.
Awaitable<void> NeverReadingServer(tcp::acceptor& acceptor, std::optional<tcp::socket>& held) {
  auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
  if (!ec) held.emplace(std::move(socket));
}

TEST(Client, ABodyLargerThanTheSocketTakesAtOnceArrivesWhole) {
  // The request is written straight to the socket first; what it does not
  // take (far more than its send buffer here) must follow as the server reads.
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(ioc, LateReadingServer(acceptor, 200ms), asio::detached);
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(acceptor.local_endpoint().port())});
  ASSERT_OK(client.Init());
  const std::string body(16u << 20, 'b');
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::post, "/upload", "application/octet-stream", body, 8000ms);
    EXPECT_OK(r);
    if (r.ok()) {
      EXPECT_EQ(r->body, std::to_string(body.size()));
    }
    acceptor.close();
  });
}

// A server that answers each request on one connection in pieces: the head
// and half the body, a pause, then the rest (`body_size` bytes of 'a' each).
Awaitable<void> PiecewiseServer(tcp::acceptor& acceptor, size_t body_size, int answers) {
  auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
  if (ec) co_return;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (int i = 0; i < answers; ++i) {
    Request req;
    stream.expires_after(5s);
    auto [rec, n] = co_await bhttp::async_read(stream, buffer, req, kAsTuple);
    if (rec) co_return;
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_size) + "\r\n\r\n" +
                             std::string(body_size, 'a');
    const size_t first = wire.size() - body_size / 2;
    co_await asio::async_write(stream, asio::buffer(wire.data(), first), kAsTuple);
    asio::steady_timer pause(acceptor.get_executor(), 20ms);
    co_await pause.async_wait(kAsTuple);
    co_await asio::async_write(stream, asio::buffer(wire.data() + first, wire.size() - first), kAsTuple);
  }
}

TEST(Client, AnAnswerArrivingInPiecesIsReadWhole) {
  // What has arrived is read at once; the rest of an answer (a short one, and
  // one far larger than the socket's receive buffer) is waited for.
  for (size_t body_size : {size_t{64}, size_t{4u << 20}}) {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(ioc, PiecewiseServer(acceptor, body_size, 2), asio::detached);
    Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(acceptor.local_endpoint().port())});
    ASSERT_OK(client.Init());
    RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
      for (int i = 0; i < 2; ++i) {  // the second on the same connection
        auto r = co_await client.Send(bhttp::verb::post, "/x", "application/json", "{}", 5000ms);
        EXPECT_OK(r) << body_size;
        if (r.ok()) {
          EXPECT_EQ(r->body, std::string(body_size, 'a'));
        }
      }
      EXPECT_EQ(client.open_connections(), 1u);
      acceptor.close();
    });
  }
}

TEST(Client, AWriteTheServerNeverReadsEndsAtTheDeadline) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::optional<tcp::socket> held;
  asio::co_spawn(ioc, NeverReadingServer(acceptor, held), asio::detached);
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(acceptor.local_endpoint().port())});
  ASSERT_OK(client.Init());
  const std::string body(16u << 20, 'b');
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    auto start = std::chrono::steady_clock::now();
    auto r = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/octet-stream", body, 300ms);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("timeout"), std::string::npos) << r.status().message();
    EXPECT_EQ(client.open_connections(), 0u);
    acceptor.close();
    if (held) held->close();
  });
}

TEST(Client, ConnectionCloseFromServerIsHonoured) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, [](Request req) -> Awaitable<Response> {
    Response res = TextResponse(req, 200, "bye");
    res.keep_alive(false);
    co_return res;
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port())});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::get, "/", "", "");
    EXPECT_OK(r);
    EXPECT_EQ(client.open_connections(), 0u);
  });
}

TEST(Client, HttpsAgainstAPlainServerIsATlsFailureWithoutTheTarget) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{},
                [](Request req) -> Awaitable<Response> { co_return TextResponse(req, 200, "plain"); });
  ASSERT_OK(server.Start());
  Client client(
      ioc.get_executor(),
      ClientOptions{.base_url = "https://127.0.0.1:" + std::to_string(server.port()), .verify_tls = false});
  ASSERT_OK(client.Init());
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", "{}", 2000ms);
    EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("TLS"), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("TEST-secret"), std::string::npos);
    EXPECT_EQ(client.open_connections(), 0u);
  });
}

TEST(Client, WaitingForAFreeConnectionCountsAgainstTheDeadline) {
  asio::io_context ioc;
  asio::steady_timer release(ioc, std::chrono::steady_clock::time_point::max());
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    if (req.target() == "/slow") co_await release.async_wait(kAsTuple);
    co_return TextResponse(req, 200, "ok");
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()), .max_connections = 1});
  ASSERT_OK(client.Init());
  bool slow_done = false;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        auto r = co_await client.Send(bhttp::verb::get, "/slow", "", "", 5000ms);
        EXPECT_OK(r);
        slow_done = true;
      },
      asio::detached);
  RunTest(ioc, &server, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::get, "/fast", "", "", 100ms);
    EXPECT_TRUE(r.status().IsUnavailable());
    EXPECT_NE(r.status().message().find("timeout"), std::string::npos) << r.status().message();
    release.cancel();  // the slow one finishes and frees the only slot
    auto again = co_await client.Send(bhttp::verb::get, "/fast", "", "", 2000ms);
    EXPECT_OK(again);
    EXPECT_TRUE(slow_done);
    EXPECT_EQ(client.open_connections(), 1u);
  });
}

TEST(Client, InitRejectsBadBaseUrlsAndSendRejectsBadTargets) {
  asio::io_context ioc;
  for (const char* bad : {"", "ftp://host", "http://", "not a url", "http://h:99999", "http://h/?q=1"}) {
    Client c(ioc.get_executor(), ClientOptions{.base_url = bad});
    EXPECT_EQ(c.Init().code(), Code::kInvalidArgument) << bad;
  }
  Client client(ioc.get_executor(), ClientOptions{.base_url = "http://127.0.0.1:1"});
  ASSERT_OK(client.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    auto r = co_await client.Send(bhttp::verb::get, "no-slash TEST-secret", "", "");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().find("TEST-secret"), std::string::npos);
  });
}

}  // namespace
}  // namespace tgate::http

namespace tgate::http {
namespace {

TEST(Client, ManyConcurrentRequestsThroughOnePoolAllSucceed) {
  asio::io_context ioc;
  Server server(ioc.get_executor(), ServerOptions{}, [](Request req) -> Awaitable<Response> {
    co_return JsonResponse(req, 200, R"({"ok":true})");
  });
  ASSERT_OK(server.Start());
  Client client(ioc.get_executor(), ClientOptions{.base_url = BaseUrl(server.port()), .max_connections = 16});
  ASSERT_OK(client.Init());
  constexpr int kRequests = 3000;
  int ok = 0, finished = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> Awaitable<void> {
          auto r =
              co_await client.Send(bhttp::verb::post, kSecretTarget, "application/json", R"({"chat_id":1})");
          if (r.ok() && r->status == 200) ++ok;
          if (++finished == kRequests) server.Stop();
        },
        asio::detached);
  }
  ioc.run_for(20s);
  auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(ok, kRequests);
  RecordProperty("elapsed_ms", std::to_string(elapsed.count()));
}

TEST(Client, InitAcceptsIpv6LiteralsAndHostNames) {
  asio::io_context ioc;
  for (const char* good : {"http://[::1]:8081", "https://api.telegram.org", "http://localhost:1/p"}) {
    Client c(ioc.get_executor(), ClientOptions{.base_url = good});
    EXPECT_OK(c.Init()) << good;
  }
}

}  // namespace
}  // namespace tgate::http
