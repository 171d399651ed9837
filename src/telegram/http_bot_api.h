// HttpBotApi: BotApi over http::Client — POST {base}/bot<token>/<method> on a
// pool of keep-alive connections. The token lives only in this object: it is
// never logged, and it is redacted from every error this returns
// (RedactTokens, telegram/redact.h: "bot<id>:***").
// Threading: use from the executor given at construction.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/client.h"
#include "telegram/bot_api.h"

namespace tgate::telegram {

struct HttpBotApiOptions {
  std::string token;  // "123456:ABC..."
  std::string base_url = "https://api.telegram.org";
  size_t max_connections = 64;  // bound on requests in flight
  std::chrono::milliseconds timeout{30000};
  bool verify_tls = true;
  bool timer_stays_armed = false;               // see http::ClientOptions
  http::NextPass* read_at_next_pass = nullptr;  // see http::ClientOptions
};

class HttpBotApi final : public BotApi {
 public:
  HttpBotApi(asio::any_io_executor executor, HttpBotApiOptions options);
  // Validates the token shape and base URL (InvalidArgument, naming no secret).
  Status Init();

  // The same defaults as BotApi::Call's.
  Awaitable<ApiResult> Call(std::string method, boost::json::object params,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                            ResultUse use = ResultUse::kWhole) override;
  // Sends `params_json` as the body, as it is.
  Awaitable<ApiResult> CallJson(std::string method, std::string params_json,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                                ResultUse use = ResultUse::kWhole) override;
  Awaitable<ApiResult> CallMultipart(std::string method, std::vector<FormPart> parts) override;

 private:
  // "/bot<token>/<method>".
  std::string MethodTarget(std::string_view method) const;

  HttpBotApiOptions options_;
  http::Client client_;
};

}  // namespace tgate::telegram
