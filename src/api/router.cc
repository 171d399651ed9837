#include "api/router.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "api/openapi_document.h"
#include "api/readiness.h"
#include "api/route.h"
#include "core/random.h"
#include "http/asio.h"
#include "http/error_response.h"

namespace tgate::api {
namespace {

constexpr std::string_view kHookPrefix = "/hooks/telegram/";

// The site API, one line per call (DESIGN.md "The site API").
constexpr Route kRoutes[] = {
    {bhttp::verb::post, "/v1/links", CreateLink},
    {bhttp::verb::get, "/v1/users/{}", GetUser},
    {bhttp::verb::delete_, "/v1/users/{}", DeleteUser},
    {bhttp::verb::post, "/v1/messages", SendMessage},
    {bhttp::verb::get, "/v1/messages/{}", GetMessage},
    {bhttp::verb::post, "/v1/broadcasts", CreateBroadcast},
    {bhttp::verb::get, "/v1/broadcasts/{}", GetBroadcast},
    {bhttp::verb::delete_, "/v1/broadcasts/{}", CancelBroadcast},
};

// The endpoints outside /v1 (no API key), one line each. Handle() answers
// them; Routes() lists them, so the OpenAPI check sees one missing from the
// document (or one the document has and Handle does not answer).
constexpr RouteInfo kOperationalRoutes[] = {
    {"POST", "/hooks/telegram/{}"}, {"GET", "/healthz"}, {"GET", "/metrics"},     {"GET", "/readyz"},
    {"GET", "/openapi.json"},       {"GET", "/status"},  {"GET", "/status.json"},
};

// The operational endpoint answered by GET at `path`, if there is one: the
// others (a POST /metrics, a DELETE /healthz) are a caller's mistake, told
// with a 405 rather than served as if they were a GET.
const RouteInfo* OperationalGet(std::string_view path) {
  for (const RouteInfo& r : kOperationalRoutes) {
    if (r.method == "GET" && r.pattern == path) return &r;
  }
  return nullptr;
}

// Matches decoded `segments` against `pattern` ("/v1/users/{}"), filling captures.
bool MatchPattern(std::string_view pattern, const std::vector<std::string>& segments,
                  std::vector<std::string>& params) {
  params.clear();
  size_t i = 0;
  pattern.remove_prefix(1);  // leading '/'
  while (!pattern.empty() || i < segments.size()) {
    if (pattern.empty() || i == segments.size()) return false;
    size_t slash = pattern.find('/');
    std::string_view p = pattern.substr(0, slash);
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash + 1);
    if (p == "{}") {
      if (segments[i].empty()) return false;
      params.push_back(segments[i]);
    } else if (p != segments[i]) {
      return false;
    }
    ++i;
  }
  return true;
}

bool Authorized(const ApiContext& ctx, const http::Request& req) {
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return false;
  std::string_view v = it->value();
  constexpr std::string_view kBearer = "Bearer ";
  // Beast's iequals: ASCII, no locale (boost::iequals took a locale per character).
  if (v.size() <= kBearer.size() || !beast::iequals(v.substr(0, kBearer.size()), kBearer)) return false;
  return ConstantTimeEquals(v.substr(kBearer.size()), ctx.config.api_key);
}

}  // namespace

const std::vector<RouteInfo>& Routes() {
  static const std::vector<RouteInfo> routes = [] {
    std::vector<RouteInfo> out(std::begin(kOperationalRoutes), std::end(kOperationalRoutes));
    for (const Route& r : kRoutes) {
      std::string_view method = bhttp::to_string(r.method);
      out.push_back({method, r.pattern});
    }
    return out;
  }();
  return routes;
}

Router::Router(ApiContext& context, webhook::UpdateReceiver& receiver, WriteProbe* write_probe)
    : context_(context), receiver_(receiver), write_probe_(write_probe) {
  context_.metrics.Describe("tgate_api_requests_total", "counter", "Site API requests by route and status.");
}

Awaitable<http::Response> Router::Handle(const http::Request& req) {
  // A target that is a bot's webhook path as it came goes to the receiver
  // unparsed: Boost.URL's parse cost a webhook update some 2,000
  // instructions, 3 % of its handling. Such a target is well formed (a
  // webhook path is letters, digits, _ and -), and the parse would have
  // given that path. Any other target is parsed first, so one not well
  // formed gets its 400.
  const std::string_view raw = req.target();
  if (raw.substr(0, kHookPrefix.size()) == kHookPrefix && receiver_.Serves(raw.substr(kHookPrefix.size()))) {
    co_return co_await receiver_.Handle(req, raw.substr(kHookPrefix.size()));
  }
  auto target = boost::urls::parse_origin_form(raw);
  if (!target) co_return http::ErrorResponse(req, Status::InvalidArgument("malformed request target"));
  std::string_view path = target->encoded_path();
  if (path.substr(0, kHookPrefix.size()) == kHookPrefix) {
    co_return co_await receiver_.Handle(req, path.substr(kHookPrefix.size()));
  }
  if (const RouteInfo* op = OperationalGet(path); op && req.method() != bhttp::verb::get) {
    http::Response res =
        http::ErrorResponse(req, Status::MethodNotAllowed("use GET on " + std::string(path)));
    res.set(bhttp::field::allow, "GET");
    co_return res;
  }
  if (path == "/healthz") co_return http::JsonResponse(req, 200, R"({"status":"ok"})");
  if (path == "/metrics") co_return co_await Metrics(req);
  if (path == "/readyz") co_return co_await Ready(req);
  if (path == "/openapi.json") co_return http::JsonResponse(req, 200, std::string(OpenApiDocument()));
  if (context_.status_page && status::StatusEndpoint::Serves(path))
    co_return co_await context_.status_page->Handle(req, path);
  if (path.substr(0, 4) == "/v1/" || path == "/v1") co_return co_await HandleApi(req, *target);
  co_return http::ErrorResponse(req, Status::NotFound("no such endpoint; the site API is under /v1/"));
}

Awaitable<http::Response> Router::HandleApi(const http::Request& req, boost::urls::url_view target) {
  if (!Authorized(context_, req)) {
    co_return http::ErrorResponse(req, Status::Unauthenticated("missing or wrong API key; send "
                                                               "'Authorization: Bearer <api key>'"));
  }
  RouteMatch match;
  std::vector<std::string> segments;
  segments.reserve(4);
  for (auto seg : target.segments()) segments.push_back(seg);
  for (auto param : target.params()) match.query[param.key] = param.value;

  bool path_known = false;
  for (const Route& r : kRoutes) {
    if (!MatchPattern(r.pattern, segments, match.params)) continue;
    path_known = true;
    if (r.method != req.method()) continue;
    http::Response res = co_await r.handler(context_, req, match);
    std::string labels;  // built in place: one allocation per request, not one per piece
    labels.reserve(64);
    labels.append("route=\"").append(r.pattern).append("\",status=\"");
    labels.append(std::to_string(res.result_int())).push_back('"');
    context_.metrics.Inc("tgate_api_requests_total", labels);
    co_return res;
  }
  if (path_known) {
    co_return http::ErrorResponse(req, Status::MethodNotAllowed("method not allowed on this resource"));
  }
  co_return http::ErrorResponse(req,
                                Status::NotFound("no such API call: " + std::string(target.encoded_path())));
}

// Ready unless a bot cannot reach Telegram (its sending is paused; messages
// are still accepted and wait) or the database takes no writes (readiness.h).
// No auth, like /healthz: it names bots only.
Awaitable<http::Response> Router::Ready(const http::Request& req) {
  std::vector<BotReadiness> bots;
  for (const auto& [name, bot] : context_.bots) {
    bots.push_back({name, bot.in_outage && bot.in_outage(), !bot.username.empty(), bot.getme_error});
  }
  Status database;
  if (write_probe_) database = co_await write_probe_->Check();
  const ReadinessVerdict v = JudgeReadiness(bots, database);
  co_return http::JsonResponse(req, v.status, v.body);
}

Awaitable<http::Response> Router::Metrics(const http::Request& req) {
  co_await context_.metrics.Refresh();  // the figures read from the store
  co_return http::TextResponse(req, 200, context_.metrics.Render(), "text/plain; version=0.0.4");
}

}  // namespace tgate::api
