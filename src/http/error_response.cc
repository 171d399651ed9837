#include "http/error_response.h"

#include <boost/json.hpp>

#include "core/utf8.h"
#include "http/asio.h"

namespace tgate::http {

// Messages may quote the request (an unknown bot's name): a JSON string must
// be UTF-8 whatever bytes it quotes.
Response ErrorResponse(const Request& req, const Status& status) {
  boost::json::object err{{"code", CodeWord(status.code())}, {"message", AsUtf8(status.message())}};
  boost::json::object body{{"error", std::move(err)}};
  Response r = JsonResponse(req, HttpStatusOf(status.code()), boost::json::serialize(body));
  if (status.code() == Code::kUnauthenticated) r.set(bhttp::field::www_authenticate, "Bearer");
  return r;
}

}  // namespace tgate::http
