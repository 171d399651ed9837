// WebhookCheck: keeps Telegram's webhook pointing here, for a bot that
// receives webhooks (not long polling). At start it asks getWebhookInfo; with
// public_url configured and the webhook missing or pointing elsewhere it sets
// it (webhook_registration.h: the URL, the secret, the certificate when one
// is configured). Without public_url and without a webhook it warns once,
// naming the two ways out. Then, every minute, it logs what changed in
// Telegram's view (last_error_message, pending_update_count, the URL) and
// sets the webhook again if it has gone missing; a webhook someone pointed
// elsewhere while tgate runs is warned about, not fought over.
// Not a health endpoint, and not the receiver (webhook/update_receiver.h).
// Logs never show the token nor the webhook path (both are secrets).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/lifetime.h"
#include "http/asio.h"
#include "telegram/bot_api.h"

namespace tgate::webhook {

struct WebhookCheckOptions {
  std::string bot;               // the bot's name, for log lines
  std::string public_url;        // empty: tgate cannot set the webhook itself
  std::string webhook_path;      // POST /hooks/telegram/<webhook_path>
  std::string secret;            // X-Telegram-Bot-Api-Secret-Token; empty = none
  std::string certificate_path;  // self-signed certificate to upload; empty = none
  std::chrono::seconds period{60};
  // Called with each getWebhookInfo answer (e.g. to keep the last values for
  // the status page). Its `url` holds the secret webhook path: never log it.
  std::function<void(const boost::json::object& info)> on_info;
};

// What getWebhookInfo answers mean for one bot, look after look (pure; the
// loop below does the calls). Each Look returns only what changed since the
// previous one, so a steady state logs nothing.
class WebhookWatch {
 public:
  enum class Level { kInfo, kWarn };
  struct Line {
    Level level;
    std::string text;
  };

  explicit WebhookWatch(WebhookCheckOptions options);

  // Whether tgate should call setWebhook now. `first`: the look at start,
  // when a webhook pointing elsewhere is replaced too (later it is only
  // warned about).
  bool ShouldSet(const boost::json::object& info, bool first) const;
  // The lines to log for `info`.
  std::vector<Line> Look(const boost::json::object& info);
  // The webhook URL tgate registers ("" without public_url).
  const std::string& expected_url() const { return expected_url_; }
  // The URL as it may be logged: the webhook path replaced by <webhook_path>.
  std::string Printable(const std::string& url) const;

 private:
  enum class Aim { kUnknown, kNone, kHere, kElsewhere };
  Aim AimOf(const std::string& url) const;

  WebhookCheckOptions o_;
  std::string expected_url_;
  Aim aim_ = Aim::kUnknown;
  std::string last_error_;
  int64_t last_error_date_ = 0;
  int64_t pending_ = -1;
};

// Runs the check for one bot until `life` ends: the first look at once, then
// every options.period. `api` must stay alive while `life` has not ended.
Awaitable<void> KeepWebhookPointingHere(Lifetime::Token life, telegram::BotApi& api,
                                        WebhookCheckOptions options);

}  // namespace tgate::webhook
