// HTTP request/response types shared by the server, the client and every
// handler. Bodies are strings; size limits are enforced by the server and the
// client before a body is handed on.
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace tgate::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A response with `status`, Content-Type application/json and `body`, keep-alive
// matching `req`.
Response JsonResponse(const Request& req, unsigned status, std::string body);
// A plain-text response (for /metrics and /healthz).
Response TextResponse(const Request& req, unsigned status, std::string body,
                      std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace tgate::http
