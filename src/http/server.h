// Server: an HTTP/1.1 listener on one TCP endpoint that runs one coroutine
// session per connection (keep-alive, pipelining-safe, body size limit, idle
// timeout) and hands each request to a Handler. Transport only: it knows
// nothing of routes, auth or JSON.
// Threading: all sessions run on the executor given at construction; the
// handler is invoked on it. The Server must outlive Stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/asio.h"
#include "http/message.h"

namespace tgate::http {

// Produces the response for one request. Must not throw for expected input;
// an escaping exception is logged and answered with 500.
using Handler = std::function<Awaitable<Response>(Request)>;

struct ServerOptions {
  // Address to bind, e.g. "127.0.0.1" or "0.0.0.0".
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see Server::port()).
  uint16_t port = 0;
  // Largest accepted request body; larger gets 413 and the connection closes.
  size_t body_limit = 1 << 20;
  // A connection idle (or slow to send a request) this long is closed.
  std::chrono::seconds idle_timeout{60};
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

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgate::http
