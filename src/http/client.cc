// Client implementation: a keep-alive connection pool for one origin.
//
// Slots: at most max_connections connections exist (idle + in use + being
// opened). A Send takes the most recently used idle connection (LIFO keeps
// the hot ones warm and lets the server time out the cold ones), or opens a
// new one if under the limit, or queues as a Waiter until a finishing Send
// hands it a connection (or the right to open one). The hand-off is direct, so
// newcomers cannot overtake queued requests.
// Deadline: one absolute time per Send covers the wait for a slot, resolve
// (first use only; endpoints are cached), connect, TLS, write and read, so a
// caller's timeout bounds the whole call even when the pool is saturated.
// Everything runs on the Client's executor; no locks.
#include "http/client.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "http/client_connection.h"
#include "http/request_head.h"

namespace tgate::http {

namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

bool ValidTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7f) return false;  // no spaces, CR/LF or controls
  }
  return true;
}

// A stale keep-alive connection: the server closed it while it sat idle.
bool LooksLikeClosedIdleConnection(const ErrorCode& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

struct Client::Impl {
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex, Clock::time_point deadline) : timer(ex, deadline) {}
    asio::steady_timer timer;
    std::unique_ptr<ClientConnection> conn;  // null with granted: open a new one
    bool granted = false;
  };

  Impl(asio::any_io_executor ex, ClientOptions opts)
      : executor(std::move(ex)), options(std::move(opts)), watch(executor, options.timer_stays_armed) {
    if (options.max_connections == 0) options.max_connections = 1;
  }

  Status Init();
  // `self` is this Impl: the request's frame holds it, so the Impl outlives
  // the Client if need be. Started lazily, so everything is taken by value.
  Awaitable<Result<ClientResponse>> Send(std::shared_ptr<Impl> self, bhttp::verb method, std::string target,
                                         std::string content_type, std::string body,
                                         std::chrono::milliseconds timeout, Client::Headers headers);
  // A connection slot at once: an idle connection in `conn`, or a new one to
  // open (`conn` stays null); false when every slot is in use.
  bool TryAcquire(std::unique_ptr<ClientConnection>& conn);
  // Waits until Release() hands over a slot, or until `deadline` (false).
  Awaitable<bool> AwaitRelease(std::unique_ptr<ClientConnection>& conn, Clock::time_point deadline);
  void Release(std::unique_ptr<ClientConnection> conn);
  Awaitable<ErrorCode> EnsureEndpoints(Clock::time_point deadline);
  Awaitable<Result<std::unique_ptr<ClientConnection>>> Open(Clock::time_point deadline,
                                                            std::chrono::milliseconds timeout);
  Status Timeout(std::chrono::milliseconds timeout) const {
    return Status::Unavailable("timeout after " + std::to_string(timeout.count()) + " ms talking to " +
                               where);
  }
  Status Failure(std::string_view what, const ErrorCode& ec) const {
    return Status::Unavailable(std::string(what) + " " + where + ": " + ec.message());
  }

  asio::any_io_executor executor;
  ClientOptions options;
  bool initialized = false;
  bool closed = false;  // the Client was destroyed: do not pool connections any more
  // Origin, from base_url.
  std::string host;  // for resolve, SNI and certificate checks
  std::string port;
  std::string host_header;  // "host[:port]" as written in base_url
  std::string prefix;       // path prefix without trailing '/'
  std::string where;        // "host:port", the only origin detail errors name
  bool ip_literal = false;
  std::optional<asio::ssl::context> tls;
  // Resolved once and cached (the Bot API and the emulator do not move);
  // dropped after a failed connect so a moved host is found again.
  ClientConnection::Endpoints endpoints;

  DeadlineWatch watch;    // writes and reads; declared before the connections it watches
  size_t open_count = 0;  // declared before `idle`: connections decrement it on destruction
  size_t in_use = 0;      // slots held by Sends (connected or opening)
  std::vector<std::unique_ptr<ClientConnection>> idle;  // LIFO
  std::deque<Waiter*> waiters;                          // FIFO
};

Status Client::Impl::Init() {
  auto parsed = boost::urls::parse_uri(options.base_url);
  if (!parsed) return Status::InvalidArgument("base_url '" + options.base_url + "' is not a URL");
  const auto& url = *parsed;
  const std::string scheme(url.scheme());
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("base_url must start with http:// or https://");
  }
  if (!url.has_authority() || url.host_address().empty()) {
    return Status::InvalidArgument("base_url has no host");
  }
  if (url.has_query() || url.has_fragment() || url.has_userinfo()) {
    return Status::InvalidArgument("base_url must not have a query, fragment or user info");
  }
  host = url.host_address();
  port = url.has_port() ? std::string(url.port()) : (scheme == "https" ? "443" : "80");
  unsigned port_number = 0;
  auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (perr != std::errc() || end != port.data() + port.size() || port_number == 0 || port_number > 65535) {
    return Status::InvalidArgument("base_url has a bad port");
  }
  host_header = url.encoded_host_and_port();
  prefix = url.encoded_path();
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  where = std::string(url.encoded_host()) + ":" + port;
  ip_literal =
      url.host_type() == boost::urls::host_type::ipv4 || url.host_type() == boost::urls::host_type::ipv6;
  if (ip_literal) {
    endpoints.assign(1, tcp::endpoint(asio::ip::make_address(host), static_cast<uint16_t>(port_number)));
  }
  if (scheme == "https") {
    tls.emplace(asio::ssl::context::tls_client);
    ErrorCode ec;
    tls->set_default_verify_paths(ec);
    if (ec && options.verify_tls) return Status::Internal("cannot load the system CA store: " + ec.message());
    tls->set_verify_mode(options.verify_tls ? asio::ssl::verify_peer : asio::ssl::verify_none);
  }
  initialized = true;
  return Status::Ok();
}

bool Client::Impl::TryAcquire(std::unique_ptr<ClientConnection>& conn) {
  if (!idle.empty()) {
    conn = std::move(idle.back());
    idle.pop_back();
    ++in_use;
    return true;
  }
  if (in_use + idle.size() < options.max_connections) {
    ++in_use;
    return true;
  }
  return false;
}

Awaitable<bool> Client::Impl::AwaitRelease(std::unique_ptr<ClientConnection>& conn,
                                           Clock::time_point deadline) {
  Waiter waiter(executor, deadline);
  waiters.push_back(&waiter);
  co_await waiter.timer.async_wait(kAsTuple);  // cancelled by Release() to wake us
  if (waiter.granted) {                        // Release() counted our slot in `in_use`
    conn = std::move(waiter.conn);
    co_return true;
  }
  std::erase(waiters, &waiter);
  co_return false;
}

void Client::Impl::Release(std::unique_ptr<ClientConnection> conn) {
  --in_use;
  if (!waiters.empty()) {
    Waiter* next = waiters.front();
    waiters.pop_front();
    ++in_use;
    next->conn = std::move(conn);
    next->granted = true;
    next->timer.cancel();
    return;
  }
  if (conn && !closed) idle.push_back(std::move(conn));
}

Awaitable<ErrorCode> Client::Impl::EnsureEndpoints(Clock::time_point deadline) {
  using namespace asio::experimental::awaitable_operators;
  if (!endpoints.empty()) co_return ErrorCode{};
  tcp::resolver resolver(executor);
  asio::steady_timer timer(executor, deadline);
  auto result = co_await (resolver.async_resolve(host, port, kAsTuple) || timer.async_wait(kAsTuple));
  if (result.index() == 1) co_return beast::error::timeout;
  auto [ec, results] = std::get<0>(std::move(result));
  if (ec) co_return ec;
  if (endpoints.empty()) {  // another Send may have filled it meanwhile
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  co_return ErrorCode{};
}

Awaitable<Result<std::unique_ptr<ClientConnection>>> Client::Impl::Open(Clock::time_point deadline,
                                                                        std::chrono::milliseconds timeout) {
  ErrorCode ec = co_await EnsureEndpoints(deadline);
  if (ec == beast::error::timeout) co_return Timeout(timeout);
  if (ec) co_return Failure("cannot resolve", ec);
  auto conn = std::make_unique<ClientConnection>(executor, tls ? &*tls : nullptr, ip_literal ? "" : host,
                                                 options.verify_tls, watch, &open_count);
  bool tls_failed = false;
  ec = co_await conn->Connect(endpoints, deadline, tls_failed);
  if (ec == beast::error::timeout) co_return Timeout(timeout);
  if (tls_failed) co_return Failure("TLS handshake failed with", ec);
  if (ec) {
    if (!ip_literal) endpoints.clear();
    co_return Failure("cannot connect to", ec);
  }
  co_return std::move(conn);
}

Awaitable<Result<ClientResponse>> Client::Impl::Send(std::shared_ptr<Impl> /*self*/, bhttp::verb method,
                                                     std::string target, std::string content_type,
                                                     std::string body, std::chrono::milliseconds timeout,
                                                     Client::Headers headers) {
  if (!initialized) co_return Status::Internal("http client used before Init()");
  // The message must not echo the target: it may carry a bot token.
  if (!ValidTarget(target)) {
    co_return Status::InvalidArgument("request target must start with '/' and contain no spaces or controls");
  }
  if (timeout.count() <= 0) timeout = options.timeout;
  const auto deadline = Clock::now() + timeout;

  if (!prefix.empty()) target = prefix + target;
  TGATE_CO_ASSIGN_OR_RETURN(auto head, RequestHead({.method = method,
                                                    .target = target,
                                                    .host = host_header,
                                                    .content_type = content_type,
                                                    .content_length = body.size(),
                                                    .headers = &headers}));

  // Nearly always a slot is free: taken without a coroutine of its own.
  std::unique_ptr<ClientConnection> conn;
  if (!TryAcquire(conn)) {
    const bool granted = co_await AwaitRelease(conn, deadline);
    if (!granted) {
      co_return Status::Unavailable("timeout after " + std::to_string(timeout.count()) +
                                    " ms waiting for a free connection to " + where);
    }
  }
  // Once: a reused keep-alive connection may have been closed by the server
  // while idle (Telegram and proxies drop idle connections). If writing to it
  // fails, or the read ends with EOF/reset before any response byte arrived,
  // the server never answered, so the request is sent again on a fresh
  // connection. (A server that crashed mid-request after acting on it could
  // see it twice; HTTP clients accept that same risk.)
  bool reused = conn != nullptr;
  std::optional<ResponseParser> parser;
  for (;;) {
    if (!conn) {
      auto opened = co_await Open(deadline, timeout);
      if (!opened.ok()) {
        Release(nullptr);
        co_return opened.status();
      }
      conn = std::move(opened).value();
    }
    // Written and read at once nearly always (client_connection.h); the
    // coroutines only wait for what the socket did not take or hold yet.
    ErrorCode ec;
    if (!conn->WriteNow(head, body, ec)) ec = co_await conn->WriteRest(head, body, deadline);
    const bool wrote = !ec;
    parser.emplace(options.body_limit);
    if (wrote) {
      if (options.read_at_next_pass) co_await options.read_at_next_pass->Wait(kUseAwaitable);
      if (method == bhttp::verb::head) parser->skip(true);
      if (!conn->ReadNow(*parser, ec)) ec = co_await conn->ReadRest(*parser, deadline);
      if (!ec) break;
    }
    conn.reset();  // closes the socket; its state is unknown after any error
    if (reused && ec != beast::error::timeout &&
        (!wrote || (!parser->got_some() && LooksLikeClosedIdleConnection(ec)))) {
      reused = false;
      continue;
    }
    Release(nullptr);
    if (ec == beast::error::timeout) co_return Timeout(timeout);
    if (ec == bhttp::error::body_limit) {
      co_return Status::Unavailable("response from " + where + " exceeds " +
                                    std::to_string(options.body_limit) + " bytes");
    }
    co_return Failure("connection failed with", ec);
  }

  if (!parser->keep_alive() || parser->need_eof()) conn.reset();  // the server said Connection: close
  ClientResponse out = parser->Take();
  Release(std::move(conn));
  co_return out;
}

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

Client::~Client() {
  // In-flight Sends keep Impl alive; they close their connections when done.
  impl_->closed = true;
  impl_->idle.clear();
}

Status Client::Init() { return impl_->Init(); }

// Not coroutines: each returns the request's own, which holds the one
// shared_ptr per request (a wrapper frame around it cost a frame and a
// resumption per message).
Awaitable<Result<ClientResponse>> Client::Send(bhttp::verb method, std::string target,
                                               std::string content_type, std::string body,
                                               std::chrono::milliseconds timeout) {
  return impl_->Send(impl_, method, std::move(target), std::move(content_type), std::move(body), timeout, {});
}

Awaitable<Result<ClientResponse>> Client::SendWithHeaders(bhttp::verb method, std::string target,
                                                          std::string content_type, std::string body,
                                                          Headers headers,
                                                          std::chrono::milliseconds timeout) {
  return impl_->Send(impl_, method, std::move(target), std::move(content_type), std::move(body), timeout,
                     std::move(headers));
}

size_t Client::open_connections() const { return impl_->open_count; }

}  // namespace tgate::http
