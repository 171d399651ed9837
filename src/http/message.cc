#include "http/message.h"

#include <utility>

namespace tgate::http {

namespace {

Response MakeResponse(const Request& req, unsigned status, std::string body, std::string_view content_type) {
  Response res{static_cast<boost::beast::http::status>(status), req.version()};
  res.set(boost::beast::http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

Response JsonResponse(const Request& req, unsigned status, std::string body) {
  return MakeResponse(req, status, std::move(body), "application/json");
}

Response TextResponse(const Request& req, unsigned status, std::string body, std::string_view content_type) {
  return MakeResponse(req, status, std::move(body), content_type);
}

}  // namespace tgate::http
