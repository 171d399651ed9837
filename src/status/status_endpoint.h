// StatusEndpoint: answers GET /status (the HTML page) and GET /status.json
// (the figures) behind HTTP Basic with the API key as the password (any user
// name); otherwise 401 with WWW-Authenticate: Basic realm="tgate", so a
// browser asks. The figures come from a `gather` coroutine given by the
// caller (app/status_source.h). Not the router (api/router.cc calls Handle).
// Threading: io thread only.
#pragma once

#include <functional>
#include <string>

#include "core/awaitable.h"
#include "http/message.h"
#include "status/status_snapshot.h"

namespace tgate::status {

class StatusEndpoint {
 public:
  using Gather = std::function<Awaitable<StatusSnapshot>()>;
  StatusEndpoint(std::string api_key, Gather gather);

  // Whether `path` is one of ours.
  static bool Serves(std::string_view path) { return path == "/status" || path == "/status.json"; }
  Awaitable<http::Response> Handle(const http::Request& req, std::string_view path);

 private:
  std::string api_key_;
  Gather gather_;
};

}  // namespace tgate::status
