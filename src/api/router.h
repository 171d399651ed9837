// Router: the front door of tgate's HTTP listener. Maps each request to the
// site API handlers (/v1/*, which need the Bearer API key), the Telegram
// webhook (/hooks/telegram/<path>) or the operational endpoints (/healthz,
// /readyz: 503 while a bot cannot reach Telegram or the database takes no writes, see readiness.h;
// /metrics, /openapi.json, /status). Answers unknown routes with 404 and wrong methods with 405, in the
// JSON error shape. Pure request -> response; transport lives in http/. Threading: io thread only.
#pragma once

#include <boost/url/url_view.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_context.h"
#include "api/write_probe.h"
#include "core/awaitable.h"
#include "http/message.h"
#include "webhook/update_receiver.h"

namespace tgate::api {

// One route the listener answers: "GET" and "/v1/users/{}" ({} captures a segment).
struct RouteInfo {
  std::string_view method;
  std::string_view pattern;
};

// Every route Router::Handle answers: the site API's table and the endpoints
// outside /v1. The OpenAPI document (api/openapi.json) lists exactly these
// (openapi_routes_test.cc).
const std::vector<RouteInfo>& Routes();

class Router {
 public:
  // `write_probe`: the database's side of /readyz (null: not checked).
  Router(ApiContext& context, webhook::UpdateReceiver& receiver, WriteProbe* write_probe = nullptr);

  // A coroutine (the handlers await the store): co_await it at once.
  Awaitable<http::Response> Handle(const http::Request& req);

 private:
  // `target`: req.target(), parsed once by Handle.
  Awaitable<http::Response> HandleApi(const http::Request& req, boost::urls::url_view target);
  Awaitable<http::Response> Metrics(const http::Request& req);
  Awaitable<http::Response> Ready(const http::Request& req);

  ApiContext& context_;
  webhook::UpdateReceiver& receiver_;
  WriteProbe* write_probe_;
};

}  // namespace tgate::api
