// PostUpdate: one webhook delivery attempt, an HTTP/1.1 POST of an update's
// JSON to the bot's URL with the X-Telegram-Bot-Api-Secret-Token header when
// a secret is set (botapi-facts.md §2). One connection per attempt.
// https:// is verified as Telegram does for a webhook: against ONLY the
// certificate uploaded with setWebhook when there is one (a self-signed
// proxy), else against the system's default trust store; the certificate
// must name the URL's host (IP address or DNS name). A failed handshake is
// "SSL error {...}" in getWebhookInfo.
// It is not http::Client: a failed attempt must be told apart the way the Bot
// API words it in getWebhookInfo (refused, closed, timed out, SSL), which the
// client's Status does not expose. Not a general client either (one
// connection per attempt, no redirects).
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
  // "Webhook connection closed", "Timeout expired",
  // "SSL error {error:0A000086:SSL routines::certificate verify failed}".
  std::string error;
  bool ok() const { return answered && status >= 200 && status < 300; }
};

// `trusted_certificate_pem`: the certificate uploaded with setWebhook, the
// only one an https:// webhook is trusted with; empty = the system's store.
Awaitable<PostOutcome> PostUpdate(asio::any_io_executor executor, std::string url, std::string secret_token,
                                  std::string trusted_certificate_pem, std::string body,
                                  std::chrono::milliseconds timeout);

}  // namespace tgate::emulator
