// Server: an HTTP/1.1 listener on one TCP endpoint that runs one coroutine
// session per connection (keep-alive, pipelining-safe, body size limit, idle
// timeout) and hands each request to a Handler. Transport only: it knows
// nothing of routes, auth or JSON.
// It defends its own reachability: connections are capped, and at the cap (or
// when accept() runs out of file descriptors) the idlest connection of the
// lowest rank is closed to admit the new one. Ranks, lowest first: never got
// a 2xx answer (sent nothing, or only refused requests: the transport's proxy
// for "unauthenticated"); got a 2xx; got a 2xx for a `priority_prefixes`
// target (Telegram's webhook). A connection whose request is being handled is
// never closed. A connection that has sent no request yet gets only
// `header_timeout` to send one.
// Threading: the handler is always invoked on the executor given at
// construction. Sessions (reading, parsing, writing) run on it too, or with
// `transport_threads` on that many threads of the Server's own, each request
// handed to the executor and its response handed back: the bytes of many
// connections move in parallel with the handlers. The Server must outlive
// Stop(); destroying it stops its threads (a response still being prepared
// then goes nowhere: its connection is gone).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/asio.h"
#include "http/event_loops.h"
#include "http/message.h"

namespace tgate::http {

// Produces the response for one request. Must not throw for expected input;
// an escaping exception is logged and answered with 500. The request lives
// until the handler's awaitable has finished (the server holds it), so a
// handler may be a plain function returning a coroutine that reads it.
using Handler = std::function<Awaitable<Response>(const Request&)>;

struct ServerOptions {
  // Address to bind, e.g. "127.0.0.1" or "0.0.0.0".
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see Server::port()).
  uint16_t port = 0;
  // Largest accepted request body; larger gets 413 and the connection closes.
  size_t body_limit = 1 << 20;
  // A connection idle (or slow to send a request) this long is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // A new connection must send its first request's header within this long
  // (and within idle_timeout): an idle fresh connection costs a descriptor and
  // proves nothing.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // Most connections open at once (at least 1). At the cap a new connection
  // replaces the idlest lowest-ranked one, or is closed at once if every open
  // one is busy.
  size_t max_connections = 10000;
  // Targets (prefixes) whose 2xx answers rank a connection highest, e.g.
  // "/hooks/telegram/": a flood of other connections is closed first.
  std::vector<std::string> priority_prefixes;
  // Threads of the Server's own that read requests and write responses; 0:
  // the executor does that too.
  size_t transport_threads = 0;
  // The executor runs its handlers on one thread only (tgate's io thread,
  // app/threads.h). Sessions on it then use it as it is; otherwise each gets
  // a strand of it, whose lock and bookkeeping every handler pays.
  bool executor_is_one_thread = false;
};

// Figures for /metrics; counts are since Start().
struct ServerStats {
  uint64_t open = 0;           // connections open now
  uint64_t evicted = 0;        // idle connections closed to make room
  uint64_t refused = 0;        // new connections closed at once: the cap was reached, all busy
  uint64_t accept_errors = 0;  // failed accept() calls (EMFILE, ENFILE, ...)
};

class Server {
 public:
  Server(asio::any_io_executor executor, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails with Unavailable if the address is taken.
  Status Start();
  // Stops accepting and closes idle connections; in-flight requests finish.
  void Stop();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;
  // Thread-safe.
  ServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  // The transport threads (null without). Not in Impl: sessions hold Impl,
  // and the loops destroy the sessions they still hold when they go.
  std::unique_ptr<EventLoops> transport_;
};

}  // namespace tgate::http
