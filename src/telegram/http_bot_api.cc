// HttpBotApi (see http_bot_api.h): JSON or multipart POSTs to
// <base>/bot<token>/<method>, answers classified by Classify().
#include "telegram/http_bot_api.h"

#include <boost/json/serialize.hpp>

#include "core/status_macros.h"
#include "telegram/bot_token.h"
#include "telegram/multipart.h"
#include "telegram/redact.h"

namespace tgate::telegram {
namespace {

http::ClientOptions ClientOptionsFor(const HttpBotApiOptions& o) {
  http::ClientOptions c;
  c.base_url = o.base_url;
  c.max_connections = o.max_connections;
  c.timeout = o.timeout;
  c.verify_tls = o.verify_tls;
  c.timer_stays_armed = o.timer_stays_armed;
  c.read_at_next_pass = o.read_at_next_pass;
  return c;
}

// Bot API method names are letters and digits ("sendMessage", "getUpdates");
// anything else could change the request path.
bool IsMethodName(std::string_view method) {
  if (method.empty() || method.size() > 64) return false;
  for (char c : method) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
      return false;
  }
  return true;
}

ApiResult InvalidMethod() {
  ApiResult r;
  r.kind = ErrorKind::kBadRequest;
  r.description = "invalid Bot API method name";
  return r;
}

}  // namespace

HttpBotApi::HttpBotApi(asio::any_io_executor executor, HttpBotApiOptions options)
    : options_(std::move(options)), client_(std::move(executor), ClientOptionsFor(options_)) {}

Status HttpBotApi::Init() {
  TGATE_RETURN_IF_ERROR(ValidateBotToken(options_.token));
  Status s = client_.Init();
  if (!s.ok()) return Status(s.code(), RedactTokens(s.message()));
  return Status::Ok();
}

std::string HttpBotApi::MethodTarget(std::string_view method) const {
  std::string target;
  target.reserve(5 + options_.token.size() + method.size());  // built once, not grown piece by piece
  target.append("/bot").append(options_.token).append("/").append(method);
  return target;
}

Awaitable<ApiResult> HttpBotApi::Call(std::string method, boost::json::object params,
                                      std::chrono::milliseconds timeout, ResultUse use) {
  co_return co_await CallJson(std::move(method), boost::json::serialize(params), timeout, use);
}

Awaitable<ApiResult> HttpBotApi::CallJson(std::string method, std::string params_json,
                                          std::chrono::milliseconds timeout, ResultUse use) {
  if (!IsMethodName(method)) co_return InvalidMethod();
  std::string target = MethodTarget(method);
  auto response = co_await client_.Send(bhttp::verb::post, std::move(target), "application/json",
                                        std::move(params_json), timeout);
  if (!response.ok()) co_return NetworkFailure(response.status().message());
  co_return Classify(response->status, response->body, response->retry_after, use);
}

Awaitable<ApiResult> HttpBotApi::CallMultipart(std::string method, std::vector<FormPart> parts) {
  if (!IsMethodName(method)) co_return InvalidMethod();
  std::string boundary = PickBoundary(parts);
  std::string target = MethodTarget(method);
  auto response =
      co_await client_.Send(bhttp::verb::post, std::move(target), "multipart/form-data; boundary=" + boundary,
                            MultipartBody(parts, boundary));
  if (!response.ok()) co_return NetworkFailure(response.status().message());
  co_return Classify(response->status, response->body, response->retry_after);
}

}  // namespace tgate::telegram
