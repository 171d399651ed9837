#include "status/status_endpoint.h"

#include <boost/json.hpp>

#include "http/error_response.h"
#include "status/basic_auth.h"
#include "status/status_page.h"

namespace tgate::status {

StatusEndpoint::StatusEndpoint(std::string api_key, Gather gather)
    : api_key_(std::move(api_key)), gather_(std::move(gather)) {}

Awaitable<http::Response> StatusEndpoint::Handle(const http::Request& req, std::string_view path) {
  namespace bhttp = boost::beast::http;
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    co_return http::ErrorResponse(req, Status::MethodNotAllowed("the status page only answers GET"));
  }
  auto it = req.find(bhttp::field::authorization);
  const std::string_view authorization = it == req.end() ? std::string_view() : std::string_view(it->value());
  if (!BasicAuthMatches(authorization, api_key_)) {
    http::Response res = http::ErrorResponse(
        req, Status::Unauthenticated("the status page needs HTTP Basic authentication: any user name, "
                                     "the API key as the password"));
    res.set(bhttp::field::www_authenticate, kBasicChallenge);
    co_return res;
  }
  StatusSnapshot snapshot = co_await gather_();
  std::string json = boost::json::serialize(ToJson(snapshot));
  http::Response res = path == "/status.json"
                           ? http::JsonResponse(req, 200, std::move(json))
                           : http::TextResponse(req, 200, RenderStatusPage(json), "text/html; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  co_return res;
}

}  // namespace tgate::status
