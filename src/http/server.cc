// Server implementation: an accept loop coroutine plus one session coroutine
// per connection. Without transport threads each session has a strand of
// the handler's executor (or the executor itself, when it runs on one
// thread); with them it lives on one transport thread's event
// loop (EventLoops), which orders its handlers as a strand would: a request is
// then posted to the handler's executor and its response posted back, see
// HandOver. Stop() closes the acceptor and every
// idle session; busy sessions finish their current request, answer it with
// Connection: close and exit. Coroutines hold a shared_ptr to Impl, so the
// Server object itself may be destroyed after Stop() while they unwind.
// Eviction: every connection that is not busy sits in the idle list of its
// rank, most recently active last, so the idlest lowest-ranked one is the
// front of the first non-empty list (O(1) per eviction, under `mu`). A busy
// one sits in `busy`; moving between lists is a splice, so a request costs
// no allocation.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "http/connection_deadline.h"
#include "http/response_writer.h"

namespace tgate::http {

namespace {

using tcp = asio::ip::tcp;

constexpr int kRanks = 3;  // see server.h: no 2xx yet, 2xx, 2xx for a priority target

// One accepted connection. `socket`, `deadline`, `busy` and `closing` are
// only touched on the connection's executor (socket.get_executor(): a strand,
// or one transport thread's loop); the eviction fields only under Impl::mu.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), deadline(socket.get_executor()) {}
  tcp::socket socket;
  ConnectionDeadline deadline;  // of the read or write under way (see RunSession)
  bool busy = false;            // a handler is running for a request of this connection
  bool closing = false;         // Stop() was called: close after the current response

  int rank = 0;
  bool listed = false;  // at `pos` in Impl::idle[rank] if `idle`, else in Impl::busy
  bool idle = false;
  bool evicted = false;  // closed to make room; no longer counted as open
  std::list<std::shared_ptr<Connection>>::iterator pos;
};

// Beside each session until it ends: a read or write past its deadline is
// ended by closing the socket (the session then sees an error and exits).
Awaitable<void> WatchDeadline(std::shared_ptr<Connection> conn) {
  co_await conn->deadline.Watch([c = conn.get()] {
    boost::system::error_code ignored;
    c->socket.close(ignored);
  });
}

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

// Beast's default header limit (request line and fields together).
constexpr size_t kHeaderLimit = 8 * 1024;
// Beast reads into a buffer's spare room and grows it only when under 512
// bytes are left, so a connection's buffer stays at 512 bytes and a longer
// request takes a read per 512 bytes, each a pass through Asio and Beast. A
// connection whose request was longer than its buffer gets one that takes
// such a request in one read, up to this; one with short requests stays
// small, as most idle keep-alive connections are.
constexpr size_t kMaxReadBuffer = 16 * 1024;

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// The header block overflowed the parser's limit: 414 if even the request
// line did not end within it (the parser has no target yet), else 431.
Response HeaderTooLargeResponse(bool got_request_line, size_t limit) {
  if (!got_request_line) {
    return ParseErrorResponse(11, 414, "uri_too_long",
                              "request target exceeds " + std::to_string(limit) + " bytes");
  }
  return ParseErrorResponse(11, 431, "headers_too_large",
                            "request headers exceed " + std::to_string(limit) + " bytes");
}

// accept() failures that mean "out of descriptors or kernel memory": closing
// an idle connection is what makes room.
bool IsResourceExhausted(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

bool StartsWithAny(std::string_view target, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return target.substr(0, p.size()) == p; });
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ServerOptions opts, Handler h)
      : executor(std::move(ex)), options(std::move(opts)), handler(std::move(h)), acceptor(executor) {}

  Awaitable<void> AcceptLoop();
  Awaitable<void> RunSession(std::shared_ptr<Connection> conn, uint64_t id);
  Awaitable<Response> CallHandler(Request req);
  // Runs the handler on `executor` for a session on a transport thread.
  Awaitable<Response> HandOver(Request req);
  // The accepted socket as a Connection: on the next transport thread if
  // there are any (nullptr once they are gone, or if the socket could not be
  // moved to them), else on the strand it was accepted on.
  std::shared_ptr<Connection> Adopt(tcp::socket socket);
  // Admits a new connection, evicting one at the cap; false: refused (all busy).
  bool Register(const std::shared_ptr<Connection>& conn, uint64_t& id);
  void Unregister(uint64_t id, const std::shared_ptr<Connection>& conn);
  // A request was read: out of the idle lists. False if it was evicted meanwhile.
  bool MarkBusy(const std::shared_ptr<Connection>& conn);
  // Answered: back into the idle list of `rank` (ranks only rise), as the most recent.
  void MarkIdle(const std::shared_ptr<Connection>& conn, int rank);
  // Takes the idlest lowest-ranked connection off the lists; nullptr if none. Requires mu.
  std::shared_ptr<Connection> PopIdlestLocked();
  // Closes `conn` on its executor unless a handler runs for it.
  static void CloseEvicted(std::shared_ptr<Connection> conn);

  asio::any_io_executor executor;
  const ServerOptions options;
  Handler handler;
  tcp::acceptor acceptor;    // used only on `executor`
  tcp protocol = tcp::v4();  // the acceptor's, set by Start()
  uint16_t port = 0;

  // The transport threads; null without them (sessions run on `executor`).
  // Used only while `transport_alive` (under `mu`).
  EventLoops* transport = nullptr;

  mutable std::mutex mu;  // guards the fields below (sessions may run on several threads)
  bool stopped = false;
  bool transport_alive = false;  // the transport threads run: they may be posted to
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> sessions;
  std::array<std::list<std::shared_ptr<Connection>>, kRanks> idle;
  std::list<std::shared_ptr<Connection>> busy;
  ServerStats stats;
  std::chrono::steady_clock::time_point last_cap_warning{};
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

std::shared_ptr<Connection> Server::Impl::PopIdlestLocked() {
  for (auto& list : idle) {
    if (list.empty()) continue;
    std::shared_ptr<Connection> victim = std::move(list.front());
    list.pop_front();
    victim->listed = false;
    victim->idle = false;
    victim->evicted = true;
    --stats.open;
    ++stats.evicted;
    return victim;
  }
  return nullptr;
}

void Server::Impl::CloseEvicted(std::shared_ptr<Connection> conn) {
  auto ex = conn->socket.get_executor();
  asio::dispatch(ex, [conn = std::move(conn)] {
    if (conn->busy) return;  // it read a request meanwhile; MarkBusy() refused it, it closes itself
    boost::system::error_code ignored;
    conn->socket.close(ignored);
  });
}

bool Server::Impl::Register(const std::shared_ptr<Connection>& conn, uint64_t& id) {
  std::shared_ptr<Connection> victim;
  {
    std::lock_guard lock(mu);
    if (stats.open >= std::max<size_t>(options.max_connections, 1)) {
      victim = PopIdlestLocked();
      const auto now = std::chrono::steady_clock::now();
      if (now - last_cap_warning >= std::chrono::minutes(1)) {
        last_cap_warning = now;
        spdlog::warn(
            "http server: {} connections open, the cap (max_connections); closing the idlest "
            "connections that have had no successful request first",
            stats.open + (victim ? 1 : 0));
      }
      if (!victim) {
        ++stats.refused;
        return false;
      }
    }
    if (stopped) conn->closing = true;  // its session has not started yet: safe
    id = next_id++;
    sessions.emplace(id, conn);
    ++stats.open;
    conn->listed = true;
    conn->idle = true;
    conn->pos = idle[0].insert(idle[0].end(), conn);
  }
  if (victim) CloseEvicted(std::move(victim));
  return true;
}

void Server::Impl::Unregister(uint64_t id, const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu);
  if (conn->listed) {
    (conn->idle ? idle[conn->rank] : busy).erase(conn->pos);
    conn->listed = false;
    conn->idle = false;
  }
  if (!conn->evicted) --stats.open;
  sessions.erase(id);
}

bool Server::Impl::MarkBusy(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu);
  if (conn->evicted) return false;
  if (conn->idle) {
    busy.splice(busy.end(), idle[conn->rank], conn->pos);
    conn->idle = false;
  }
  return true;
}

void Server::Impl::MarkIdle(const std::shared_ptr<Connection>& conn, int rank) {
  std::lock_guard lock(mu);
  if (!conn->listed || conn->idle) return;
  conn->rank = std::max(conn->rank, rank);
  idle[conn->rank].splice(idle[conn->rank].end(), busy, conn->pos);
  conn->idle = true;
}

// Accept failures come in episodes (a flood ran the process out of
// descriptors): one warning when one starts, one info line when accepting has
// worked for a second again, and a pause between attempts that doubles from
// 10 ms to 1 s so the loop never spins. Out of descriptors, each failure
// closes the idlest lowest-ranked connection: that is what lets /healthz and
// Telegram in again.
Awaitable<void> Server::Impl::AcceptLoop() {
  using namespace std::chrono_literals;
  using SteadyClock = std::chrono::steady_clock;
  auto self = shared_from_this();
  std::chrono::milliseconds backoff{0};  // 0: the last accept worked
  bool in_episode = false;
  uint64_t episode_failures = 0;
  uint64_t episode_evictions = 0;
  SteadyClock::time_point episode_start, last_failure;
  asio::steady_timer pause(executor);
  for (;;) {
    // With transport threads the socket is accepted here and moved to them
    // (Adopt), so no socket is ever made on threads that are gone.
    boost::system::error_code ec;
    tcp::socket socket(executor);
    if (transport || options.executor_is_one_thread) {
      std::tie(ec, socket) = co_await acceptor.async_accept(kAsTuple);
    } else {
      std::tie(ec, socket) = co_await acceptor.async_accept(asio::make_strand(executor), kAsTuple);
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      last_failure = SteadyClock::now();
      ++episode_failures;
      std::shared_ptr<Connection> victim;
      {
        std::lock_guard lock(mu);
        ++stats.accept_errors;
        if (IsResourceExhausted(ec)) victim = PopIdlestLocked();
        if (!in_episode) {
          spdlog::warn(
              "http server: accept failed: {} ({} connections open); closing idle connections "
              "to make room and retrying with backoff (logged once until it recovers)",
              ec.message(), stats.open + (victim ? 1 : 0));
        }
      }
      if (!in_episode) {
        in_episode = true;
        episode_start = last_failure;
        episode_evictions = 0;
      }
      if (victim) {
        ++episode_evictions;
        CloseEvicted(std::move(victim));
      }
      backoff = backoff == 0ms ? 10ms : std::min<std::chrono::milliseconds>(backoff * 2, 1s);
      pause.expires_after(backoff);
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    backoff = 0ms;
    if (in_episode && SteadyClock::now() - last_failure >= 1s) {
      in_episode = false;
      spdlog::info(
          "http server: accepting connections again after {} failed accepts over {} ms "
          "({} idle connections closed to make room)",
          episode_failures,
          std::chrono::duration_cast<std::chrono::milliseconds>(last_failure - episode_start).count(),
          episode_evictions);
      episode_failures = 0;
    }
    auto conn = Adopt(std::move(socket));
    if (!conn) {
      std::lock_guard lock(mu);
      if (!transport_alive) co_return;  // the Server is gone
      continue;
    }
    uint64_t id = 0;
    if (!Register(conn, id)) {
      boost::system::error_code ignored;
      conn->socket.close(ignored);
      continue;
    }
    auto session_ex = conn->socket.get_executor();
    asio::co_spawn(session_ex, WatchDeadline(conn), [](std::exception_ptr ep) { LogEscaped("session", ep); });
    asio::co_spawn(session_ex, RunSession(std::move(conn), id),
                   [](std::exception_ptr ep) { LogEscaped("session", ep); });
  }
}

std::shared_ptr<Connection> Server::Impl::Adopt(tcp::socket socket) {
  if (!transport) return std::make_shared<Connection>(std::move(socket));
  boost::system::error_code ec;
  std::lock_guard lock(mu);  // the transport threads stay while it is held
  if (!transport_alive) {
    socket.close(ec);
    return nullptr;
  }
  const auto fd = socket.release(ec);
  if (ec) return nullptr;  // it stays open only if it was not: nothing to move
  // An accepted socket has its listener's protocol.
  return std::make_shared<Connection>(tcp::socket(transport->Next(), protocol, fd));
}

// The session waits on its transport thread for a timer that only a cancel
// ends; the handler's completion, on `executor`, stores the response in
// `Call` and posts the cancel to the session's thread while the transport
// threads exist. Call holds no object of the transport threads (a timer
// outliving them would touch freed state): the Waiter, which does, is the
// session's, and the handler side holds it only weakly.
Awaitable<Response> Server::Impl::HandOver(Request req) {
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
  };
  struct Call {
    std::weak_ptr<Waiter> waiter;
    std::optional<Response> response;
    std::exception_ptr error;
  };
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  auto call = std::make_shared<Call>();
  call->waiter = waiter;
  asio::post(executor, [self = shared_from_this(), call, req = std::move(req)]() mutable {
    auto run = [self, req = std::move(req)]() mutable -> Awaitable<Response> {
      co_return co_await self->handler(req);
    };
    asio::co_spawn(self->executor, std::move(run), [self, call](std::exception_ptr ep, Response res) {
      call->error = ep;
      if (!ep) call->response.emplace(std::move(res));
      std::lock_guard lock(self->mu);
      if (!self->transport_alive) return;
      if (std::shared_ptr<Waiter> w = call->waiter.lock()) {
        // Posting orders the writes above before the session reads them.
        asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
      }
    });
  });
  co_await waiter->timer.async_wait(kAsTuple);
  if (call->error) std::rethrow_exception(call->error);
  if (!call->response) throw std::logic_error("handed-over request woken without a response");
  co_return std::move(*call->response);
}

Awaitable<Response> Server::Impl::CallHandler(Request req) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const std::string method(req.method_string());
  std::string error;
  try {
    if (transport) co_return co_await HandOver(std::move(req));
    co_return co_await handler(req);
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
static Awaitable<void> DrainBeforeClose(Connection& conn) {
  constexpr size_t kMaxDrain = 64 << 20;
  std::vector<char> sink(64 << 10);
  size_t drained = 0;
  conn.deadline.ExpiresAfter(std::chrono::seconds(2));
  while (drained < kMaxDrain) {
    auto [ec, n] = co_await conn.socket.async_read_some(asio::buffer(sink), kAsTuple);
    if (ec) break;
    drained += n;
  }
}

Awaitable<void> Server::Impl::RunSession(std::shared_ptr<Connection> conn, uint64_t id) {
  auto self = shared_from_this();
  beast::flat_buffer buffer;  // kept across requests: pipelined bytes stay queued
  bool linger = false;        // refused a request: let the client finish sending it
  bool answered = false;      // a request of this connection has been answered
  for (;;) {
    if (conn->closing) break;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(kHeaderLimit);
    boost::system::error_code ec;
    size_t header_bytes = 0, request_bytes = 0;
    if (!answered) {
      // Nothing sent yet: the header must come within header_timeout; the
      // body, if any, then gets the idle timeout.
      conn->deadline.ExpiresAfter(std::min(options.header_timeout, options.idle_timeout));
      std::tie(ec, header_bytes) = co_await bhttp::async_read_header(conn->socket, buffer, parser, kAsTuple);
      if (!ec && !parser.is_done()) {
        conn->deadline.ExpiresAfter(options.idle_timeout);
        std::tie(ec, request_bytes) = co_await bhttp::async_read(conn->socket, buffer, parser, kAsTuple);
      }
    } else {
      conn->deadline.ExpiresAfter(options.idle_timeout);
      std::tie(ec, request_bytes) = co_await bhttp::async_read(conn->socket, buffer, parser, kAsTuple);
    }
    request_bytes += header_bytes;
    if (ec == bhttp::error::header_limit) {
      Response res = HeaderTooLargeResponse(!parser.get().target().empty(), kHeaderLimit);
      conn->deadline.ExpiresAfter(options.idle_timeout);
      co_await WriteResponse(conn->socket, res);
      linger = true;
      break;
    }
    if (ec == bhttp::error::body_limit) {
      Response res =
          ParseErrorResponse(parser.get().version(), 413, "payload_too_large",
                             "request body exceeds " + std::to_string(options.body_limit) + " bytes");
      conn->deadline.ExpiresAfter(options.idle_timeout);
      co_await WriteResponse(conn->socket, res);
      linger = true;
      break;
    }
    if (ec && IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      Response res = ParseErrorResponse(11, 400, "invalid_argument", "malformed HTTP request");
      conn->deadline.ExpiresAfter(options.idle_timeout);
      co_await WriteResponse(conn->socket, res);
      break;
    }
    if (ec) break;  // EOF, idle timeout, reset, or Stop() closed the socket
    if (request_bytes > buffer.capacity()) buffer.reserve(std::min(request_bytes, kMaxReadBuffer));

    if (!MarkBusy(conn)) break;  // evicted while its request arrived
    conn->busy = true;
    const bool priority_target = StartsWithAny(parser.get().target(), options.priority_prefixes);
    conn->deadline.Clear();  // the handler takes the time it needs
    Response res = co_await CallHandler(parser.release());
    const bool keep = res.keep_alive() && !conn->closing;
    if (!keep) res.keep_alive(false);
    const unsigned status = res.result_int();
    conn->deadline.ExpiresAfter(options.idle_timeout);
    const boost::system::error_code wec = co_await WriteResponse(conn->socket, res);
    conn->busy = false;
    if (wec || !keep) break;
    answered = true;
    const int rank = status / 100 != 2 ? 0 : priority_target ? 2 : 1;
    MarkIdle(conn, rank);
  }
  boost::system::error_code ignored;
  conn->socket.shutdown(tcp::socket::shutdown_send, ignored);
  if (linger) co_await DrainBeforeClose(*conn);
  conn->deadline.Stop();
  conn->socket.close(ignored);
  Unregister(id, conn);
}

Server::Server(asio::any_io_executor executor, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(handler))) {
  if (impl_->options.transport_threads == 0) return;
  transport_ = std::make_unique<EventLoops>(impl_->options.transport_threads);
  impl_->transport = transport_.get();
  impl_->transport_alive = true;
}

Server::~Server() {
  Stop();
  if (!transport_) return;
  // The connections the lists hold go while the transport threads' services
  // still exist (their sockets and timers are registered there), and after
  // this nothing is posted to those threads (transport_alive).
  std::vector<std::shared_ptr<Connection>> held;
  {
    std::lock_guard lock(impl_->mu);
    impl_->transport_alive = false;
    auto take = [&](std::list<std::shared_ptr<Connection>>& list) {
      for (auto& c : list) {
        c->listed = false;
        c->idle = false;
        held.push_back(std::move(c));
      }
      list.clear();
    };
    for (auto& list : impl_->idle) take(list);
    take(impl_->busy);
  }
  transport_->Stop();
  transport_->Join();
  held.clear();
  transport_.reset();  // destroys the sessions it still holds
}

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
  // close() takes its own error code: reusing `ec` there replaced the reason
  // with close()'s success ("cannot bind ...: Success").
  boost::system::error_code ignored;
  acceptor.bind(endpoint, ec);
  if (ec) {
    acceptor.close(ignored);
    return Status::Unavailable("cannot bind " + where + ": " + ec.message());
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close(ignored);
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();
  impl_->protocol = endpoint.protocol();
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
    auto ex = conn->socket.get_executor();
    asio::dispatch(ex, [conn = std::move(conn)] {
      conn->closing = true;
      // Busy sessions finish their request and close after answering it.
      if (!conn->busy) {
        boost::system::error_code ignored;
        conn->socket.close(ignored);
      }
    });
  }
}

uint16_t Server::port() const { return impl_->port; }

ServerStats Server::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace tgate::http
