#include "telegram/bot_api.h"

#include <boost/json/parse.hpp>

namespace tgate::telegram {

Awaitable<ApiResult> BotApi::CallJson(std::string method, std::string params_json,
                                      std::chrono::milliseconds timeout, ResultUse use) {
  boost::system::error_code ec;
  boost::json::value params = boost::json::parse(params_json, ec);
  if (ec || !params.is_object()) {
    ApiResult r;
    r.kind = ErrorKind::kBadRequest;
    r.description = "the parameters are not a JSON object";
    co_return r;
  }
  co_return co_await Call(std::move(method), std::move(params.as_object()), timeout, use);
}

}  // namespace tgate::telegram
