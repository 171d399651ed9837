// Server implementation: an accept loop coroutine plus one session coroutine
// per connection, each on its own strand. Stop() closes the acceptor and every
// idle session; busy sessions finish their current request, answer it with
// Connection: close and exit. Coroutines hold a shared_ptr to Impl, so the
// Server object itself may be destroyed after Stop() while they unwind.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace tgate::http {

namespace {

using tcp = asio::ip::tcp;

// One accepted connection. Fields other than `stream` construction are only
// touched on the connection's strand (stream.get_executor()).
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool busy = false;     // a handler is running for a request of this connection
  bool closing = false;  // Stop() was called: close after the current response
};

// A JSON error answer for requests we could not (fully) parse; always closes
// the connection because the rest of the byte stream cannot be trusted.
Response ParseErrorResponse(unsigned version, unsigned status, std::string_view code,
                            std::string_view message) {
  Response res{static_cast<bhttp::status>(status), version == 10 ? 10u : 11u};
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(false);
  std::string body = R"({"error":{"code":")";
  body.append(code).append(R"(","message":")").append(message).append(R"("}})");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ServerOptions opts, Handler h)
      : executor(std::move(ex)), options(std::move(opts)), handler(std::move(h)), acceptor(executor) {}

  Awaitable<void> AcceptLoop();
  Awaitable<void> RunSession(std::shared_ptr<Connection> conn);
  Awaitable<Response> CallHandler(Request req);
  uint64_t Register(const std::shared_ptr<Connection>& conn);
  void Unregister(uint64_t id);

  asio::any_io_executor executor;
  const ServerOptions options;
  Handler handler;
  tcp::acceptor acceptor;  // used only on `executor`
  uint16_t port = 0;

  std::mutex mu;  // guards the fields below (sessions may run on several threads)
  bool stopped = false;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> sessions;
};

namespace {

void LogEscaped(const char* what, std::exception_ptr ep) {
  if (!ep) return;
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    spdlog::error("http server: {} ended with exception: {}", what, e.what());
  } catch (...) {
    spdlog::error("http server: {} ended with unknown exception", what);
  }
}

}  // namespace

uint64_t Server::Impl::Register(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu);
  if (stopped) conn->closing = true;  // still on the session strand: safe
  uint64_t id = next_id++;
  sessions.emplace(id, conn);
  return id;
}

void Server::Impl::Unregister(uint64_t id) {
  std::lock_guard lock(mu);
  sessions.erase(id);
}

Awaitable<void> Server::Impl::AcceptLoop() {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(executor), kAsTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Transient (e.g. EMFILE): log and keep accepting after a short pause so
      // we do not spin.
      spdlog::warn("http server: accept failed: {}", ec.message());
      asio::steady_timer pause(executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    auto conn = std::make_shared<Connection>(std::move(socket));
    auto session_ex = conn->stream.get_executor();
    asio::co_spawn(session_ex, RunSession(std::move(conn)),
                   [](std::exception_ptr ep) { LogEscaped("session", ep); });
  }
}

Awaitable<Response> Server::Impl::CallHandler(Request req) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const std::string method(req.method_string());
  std::string error;
  try {
    co_return co_await handler(std::move(req));
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  // Never log the target: webhook paths carry a secret segment.
  spdlog::error("http server: {} handler error: {}", method, error);
  Response res{bhttp::status::internal_server_error, version};
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = R"({"error":{"code":"internal","message":"internal error; see the tgate log"}})";
  res.prepare_payload();
  co_return res;
}

// Closing a socket with unread bytes makes the kernel send a reset, and a
// client still writing its (refused) body would then lose our 413 answer
// too. So, like nginx's lingering close, read and discard what it still sends
// — bounded in bytes and time — before closing.
static Awaitable<void> DrainBeforeClose(beast::tcp_stream& stream) {
  constexpr size_t kMaxDrain = 64 << 20;
  std::vector<char> sink(64 << 10);
  size_t drained = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (drained < kMaxDrain) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kAsTuple);
    if (ec) break;
    drained += n;
  }
}

Awaitable<void> Server::Impl::RunSession(std::shared_ptr<Connection> conn) {
  auto self = shared_from_this();
  const uint64_t id = Register(conn);
  beast::flat_buffer buffer;  // kept across requests: pipelined bytes stay queued
  bool linger = false;        // refused a body: let the client finish sending it
  for (;;) {
    if (conn->closing) break;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    conn->stream.expires_after(options.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read(conn->stream, buffer, parser, kAsTuple);
    if (ec == bhttp::error::body_limit) {
      Response res = ParseErrorResponse(
          parser.get().version(), 413, "payload_too_large",
          "request body exceeds " + std::to_string(options.body_limit) + " bytes");
      conn->stream.expires_after(options.idle_timeout);
      co_await bhttp::async_write(conn->stream, res, kAsTuple);
      linger = true;
      break;
    }
    if (ec && IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      Response res = ParseErrorResponse(11, 400, "invalid_argument", "malformed HTTP request");
      conn->stream.expires_after(options.idle_timeout);
      co_await bhttp::async_write(conn->stream, res, kAsTuple);
      break;
    }
    if (ec) break;  // EOF, idle timeout, reset, or Stop() closed the socket

    conn->busy = true;
    Response res = co_await CallHandler(parser.release());
    conn->busy = false;
    const bool keep = res.keep_alive() && !conn->closing;
    if (!keep) res.keep_alive(false);
    conn->stream.expires_after(options.idle_timeout);
    auto [wec, wn] = co_await bhttp::async_write(conn->stream, res, kAsTuple);
    if (wec || !keep) break;
  }
  boost::system::error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (linger) co_await DrainBeforeClose(conn->stream);
  conn->stream.socket().close(ignored);
  Unregister(id);
}

Server::Server(asio::any_io_executor executor, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(handler))) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("bad listen address '" + impl_->options.host + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) {
    return Status::Unavailable("cannot open socket for " + where + ": " + ec.message());
  }
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) {
    acceptor.close(ec);
    return Status::Unavailable("cannot bind " + where + ": " + ec.message());
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close(ec);
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = false;
  }
  asio::co_spawn(impl_->executor, impl_->AcceptLoop(),
                 [](std::exception_ptr ep) { LogEscaped("accept loop", ep); });
  return Status::Ok();
}

void Server::Stop() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [id, weak] : impl_->sessions) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  asio::dispatch(impl_->executor, [impl = impl_] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  for (auto& conn : live) {
    auto ex = conn->stream.get_executor();
    asio::dispatch(ex, [conn = std::move(conn)] {
      conn->closing = true;
      // Busy sessions finish their request and close after answering it.
      if (!conn->busy) {
        boost::system::error_code ignored;
        conn->stream.socket().close(ignored);
      }
    });
  }
}

uint16_t Server::port() const { return impl_->port; }

}  // namespace tgate::http
