#include "http/error_response.h"

#include <boost/json.hpp>

#include "http/asio.h"

namespace tgate::http {

Response ErrorResponse(const Request& req, const Status& status) {
  boost::json::object err{{"code", CodeWord(status.code())}, {"message", status.message()}};
  boost::json::object body{{"error", std::move(err)}};
  Response r = JsonResponse(req, HttpStatusOf(status.code()), boost::json::serialize(body));
  if (status.code() == Code::kUnauthenticated) r.set(bhttp::field::www_authenticate, "Bearer");
  return r;
}

}  // namespace tgate::http
