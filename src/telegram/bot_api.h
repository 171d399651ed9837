// BotApi: calls Bot API methods for one bot. An interface so the dispatcher
// can be tested against a scripted fake (telegram/fake_bot_api.h); long
// polling and the CLI are tested against the emulator (tests/integration/).
// The HTTP implementation is HttpBotApi.
// Not a rate limiter: limits are the dispatcher's job.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "http/asio.h"
#include "telegram/api_result.h"

namespace tgate::telegram {

// One part of a multipart/form-data body (for setWebhook with a certificate).
struct FormPart {
  std::string name;
  std::string value;
  std::string filename;      // non-empty: sent as a file
  std::string content_type;  // for files, e.g. "application/x-pem-file"
};

class BotApi {
 public:
  virtual ~BotApi() = default;
  // POSTs `params` as JSON to METHOD. timeout 0 = the client's default (give
  // getUpdates its long-poll timeout plus a margin). `use`: what the caller
  // reads of the result (api_result.h).
  virtual Awaitable<ApiResult> Call(std::string method, boost::json::object params,
                                    std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                                    ResultUse use = ResultUse::kWhole) = 0;
  // Call() with `params_json` already written as a JSON object: the
  // dispatcher writes sendMessage's body itself rather than building a tree
  // for every message. This default reads it back into one for Call() (the
  // scripted fake); HttpBotApi sends it as it is.
  virtual Awaitable<ApiResult> CallJson(std::string method, std::string params_json,
                                        std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                                        ResultUse use = ResultUse::kWhole);
  // POSTs multipart/form-data to METHOD.
  virtual Awaitable<ApiResult> CallMultipart(std::string method, std::vector<FormPart> parts) = 0;
};

}  // namespace tgate::telegram
