// PostUpdate: one webhook delivery attempt, an HTTP/1.1 POST of an update's
// JSON to the bot's URL with the X-Telegram-Bot-Api-Secret-Token header when
// a secret is set (botapi-facts.md §2). One connection per attempt.
// It is not http::Client: a failed attempt must be told apart the way the Bot
// API words it in getWebhookInfo (refused, closed, timed out), which the
// client's Status does not expose. Not a general client either (http://
// only, one connection per attempt, no redirects).
// Runs on the caller's executor; the timeout bounds the whole attempt.
#pragma once

#include <chrono>
#include <string>

#include "http/asio.h"

namespace tgate::emulator {

struct PostOutcome {
  bool answered = false;  // an HTTP response was read
  unsigned status = 0;
  // For last_error_message when the delivery failed, in the Bot API's words:
  // "Wrong response from the webhook: 502 Bad Gateway", "Connection refused",
  // "Webhook connection closed", "Timeout expired".
  std::string error;
  bool ok() const { return answered && status >= 200 && status < 300; }
};

Awaitable<PostOutcome> PostUpdate(asio::any_io_executor executor, std::string url, std::string secret_token,
                                  std::string body, std::chrono::milliseconds timeout);

}  // namespace tgate::emulator
