// Client: an HTTP/1.1 client for one origin (http:// or https://) with a pool
// of keep-alive connections. Many requests may be in flight at once, bounded
// by max_connections (extra requests wait for a free connection). Every
// request has a timeout. Transport only: it knows nothing of the Bot API.
// Errors never include the request target (which may carry a bot token): only
// the origin host and what failed.
// Threading: use from the executor given at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/asio.h"
#include "http/message.h"
#include "http/next_pass.h"

namespace tgate::http {

struct ClientOptions {
  // Origin, e.g. "https://api.telegram.org" or "http://127.0.0.1:8081".
  // A path prefix is allowed ("http://host:port/prefix") and is prepended to targets.
  std::string base_url;
  // Most connections kept open / requests in flight at once.
  size_t max_connections = 64;
  // Whole-request deadline (connect + write + read) unless the call overrides it.
  std::chrono::milliseconds timeout{30000};
  // Largest accepted response body.
  size_t body_limit = 16 << 20;
  // Verify the server certificate for https (system CA store). Off only for tests.
  bool verify_tls = true;
  // The executor's owner keeps it alive and polls it (the dispatcher's
  // answers loop): the one deadline timer then stays armed between requests
  // rather than being cancelled when the last one ends and armed again by the
  // next (a cancellation is one more pass of the loop, an arming one more
  // system call, for every round of sends). Off, an idle client leaves no
  // pending work behind, as a command that runs its io_context until it
  // runs out of work needs.
  bool timer_stays_armed = false;
  // Set (to the NextPass of the executor's polled io_context): a request's
  // answer is first read at the owner's next round, not right after the
  // request is written (next_pass.h says why). Null: read at once.
  NextPass* read_at_next_pass = nullptr;
};

struct ClientResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  // Value of a Retry-After header in seconds, or -1.
  int retry_after = -1;
};

class Client {
 public:
  Client(asio::any_io_executor executor, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Validates base_url. Call once before Send().
  Status Init();

  // Sends one request. `target` is the path (and query) relative to base_url.
  // Errors: Unavailable for connect/reset/TLS failures (with the reason),
  // Unavailable("timeout ...") when the deadline passes, InvalidArgument for a
  // bad target. A non-2xx HTTP answer is NOT an error: it is a ClientResponse.
  Awaitable<Result<ClientResponse>> Send(bhttp::verb method, std::string target, std::string content_type,
                                         std::string body,
                                         std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Send() with extra request headers (e.g. Authorization, signatures).
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Awaitable<Result<ClientResponse>> SendWithHeaders(
      bhttp::verb method, std::string target, std::string content_type, std::string body, Headers headers,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Connections currently open (for metrics and tests).
  size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgate::http
