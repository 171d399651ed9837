#include "webhook/webhook_check.h"

#include <spdlog/spdlog.h>

#include "webhook/webhook_registration.h"

namespace tgate::webhook {
namespace {

constexpr char kHookPrefix[] = "/hooks/telegram/";

std::string StringField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t IntField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : v && v->is_uint64() ? static_cast<int64_t>(v->as_uint64()) : 0;
}

// What an error Telegram reports most likely means here.
std::string HintFor(const std::string& error) {
  if (error.find(" 401") != std::string::npos || error.find(" 403") != std::string::npos) {
    return " (tgate refused the secret header: Telegram has another secret than webhook_secret; set the "
           "webhook again: `tgate webhook set`, or restart tgate with public_url set)";
  }
  if (error.find(" 404") != std::string::npos) {
    return " (the URL's path is not this bot's /hooks/telegram/<webhook_path>: `tgate webhook set`)";
  }
  if (error.find("SSL") != std::string::npos || error.find("certificate") != std::string::npos) {
    return " (Telegram does not trust the TLS certificate: use a CA-signed one, or upload the self-signed "
           "one with webhook_certificate / `tgate webhook set --certificate`)";
  }
  return " (check that the proxy in front of tgate forwards /hooks/telegram/ to tgate's listen address)";
}

}  // namespace

WebhookWatch::WebhookWatch(WebhookCheckOptions options) : o_(std::move(options)) {
  if (!o_.public_url.empty()) {
    auto url = HookUrl(o_.public_url, o_.webhook_path);
    if (url.ok()) expected_url_ = *url;
  }
}

WebhookWatch::Aim WebhookWatch::AimOf(const std::string& url) const {
  if (url.empty()) return Aim::kNone;
  if (!expected_url_.empty()) return url == expected_url_ ? Aim::kHere : Aim::kElsewhere;
  // Without public_url only the path can be told: the host may be any proxy.
  const std::string path = kHookPrefix + o_.webhook_path;
  const bool ends_here =
      url.size() >= path.size() && url.compare(url.size() - path.size(), path.size(), path) == 0;
  return ends_here ? Aim::kHere : Aim::kElsewhere;
}

std::string WebhookWatch::Printable(const std::string& url) const {
  const size_t at = url.find(kHookPrefix);
  if (at == std::string::npos) {
    // Not tgate's shape: show the origin only (the path may hold another secret).
    const size_t scheme = url.find("://");
    const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path) + "/...";
  }
  const std::string rest = url.substr(at + sizeof(kHookPrefix) - 1);
  return url.substr(0, at) + kHookPrefix + (rest == o_.webhook_path ? "<webhook_path>" : "<another path>");
}

bool WebhookWatch::ShouldSet(const boost::json::object& info, bool first) const {
  if (expected_url_.empty()) return false;
  const Aim aim = AimOf(StringField(info, "url"));
  if (aim == Aim::kNone) return true;
  if (!first) return false;
  if (aim == Aim::kElsewhere) return true;
  // Ours, but with another certificate than configured: set it as configured.
  const boost::json::value* cert = info.if_contains("has_custom_certificate");
  const bool has_cert = cert && cert->is_bool() && cert->as_bool();
  return has_cert != !o_.certificate_path.empty();
}

std::vector<WebhookWatch::Line> WebhookWatch::Look(const boost::json::object& info) {
  std::vector<Line> lines;
  const std::string& bot = o_.bot;
  const std::string url = StringField(info, "url");
  const Aim aim = AimOf(url);
  if (aim != aim_) {
    switch (aim) {
      case Aim::kNone:
        if (expected_url_.empty()) {
          lines.push_back(
              {Level::kWarn,
               "bot " + bot +
                   ": Telegram has no webhook for this bot and tgate does not long-poll, so nothing users do "
                   "(links, messages, blocks) reaches tgate. Two ways out: put tgate behind a TLS proxy "
                   "(https, port 443, 80, 88 or 8443) and set public_url (TGATE_PUBLIC_URL) to its origin: "
                   "tgate then sets the webhook itself at start; or set long_polling = true "
                   "(TGATE_LONG_POLLING=true) and tgate fetches updates itself"});
        } else {
          lines.push_back({Level::kWarn, "bot " + bot + ": Telegram has no webhook for this bot (setting " +
                                             Printable(expected_url_) +
                                             " failed, see above); nothing users do reaches tgate; trying "
                                             "again every minute"});
        }
        break;
      case Aim::kElsewhere:
        lines.push_back(
            {Level::kWarn,
             "bot " + bot + ": Telegram delivers this bot's updates to " + Printable(url) +
                 ", not to this tgate (" +
                 (expected_url_.empty() ? std::string("/hooks/telegram/<webhook_path>")
                                        : Printable(expected_url_)) +
                 "): nothing users do reaches it; point the webhook here with `tgate webhook set` " +
                 "(another server using the same bot token would take them back)"});
        break;
      case Aim::kHere:
        lines.push_back(
            {Level::kInfo, "bot " + bot + ": Telegram's webhook points here (" + Printable(url) + ")"});
        break;
      case Aim::kUnknown:
        break;
    }
    aim_ = aim;
  }
  const std::string error = StringField(info, "last_error_message");
  const int64_t error_date = IntField(info, "last_error_date");
  if (error != last_error_ || error_date != last_error_date_) {
    if (!error.empty()) {
      lines.push_back({Level::kWarn, "bot " + bot + ": Telegram's last webhook delivery failed: " + error +
                                         HintFor(error) + " [last_error_date " + std::to_string(error_date) +
                                         "]"});
    }
    last_error_ = error;
    last_error_date_ = error_date;
  }
  const int64_t pending = IntField(info, "pending_update_count");
  if (pending != pending_) {
    if (pending_ >= 0 || pending > 0) {
      lines.push_back({Level::kInfo, "bot " + bot + ": Telegram holds " + std::to_string(pending) +
                                         " update(s) not yet delivered (pending_update_count)"});
    }
    pending_ = pending;
  }
  return lines;
}

Awaitable<void> KeepWebhookPointingHere(Lifetime::Token life, telegram::BotApi& api,
                                        WebhookCheckOptions options) {
  WebhookWatch watch(options);
  WebhookRegistration registration;
  registration.url = watch.expected_url();
  registration.secret = options.secret;
  registration.certificate_path = options.certificate_path;
  bool first = true;
  bool may_set = true;  // once per period: a set that did not take waits for the next look
  bool failing = false;
  while (!life.ended()) {
    telegram::ApiResult r = co_await api.Call("getWebhookInfo", {}, std::chrono::seconds(10));
    if (life.ended()) co_return;
    if (r.ok() && r.result.is_object()) {
      failing = false;
      const boost::json::object& info = r.result.as_object();
      if (options.on_info) options.on_info(info);
      if (may_set && watch.ShouldSet(info, first)) {
        first = false;
        may_set = false;
        auto parts = SetWebhookParts(registration);
        if (!parts.ok()) {
          spdlog::error("bot {}: cannot set the webhook: {}", options.bot, parts.status().message());
        } else {
          telegram::ApiResult set = co_await api.CallMultipart("setWebhook", std::move(*parts));
          if (life.ended()) co_return;
          if (set.ok()) {
            spdlog::info(
                "bot {}: webhook set to {}{} (public_url)", options.bot, watch.Printable(registration.url),
                registration.certificate_path.empty() ? "" : " with the certificate webhook_certificate");
          } else {
            spdlog::error(
                "bot {}: setWebhook to {} failed: {} (check public_url: Telegram needs https on port "
                "443, 80, 88 or 8443)",
                options.bot, watch.Printable(registration.url), set.description);
          }
        }
        continue;  // look again at once: the lines below then describe the new state
      }
      first = false;
      for (const WebhookWatch::Line& line : watch.Look(info)) {
        if (line.level == WebhookWatch::Level::kWarn) {
          spdlog::warn("{}", line.text);
        } else {
          spdlog::info("{}", line.text);
        }
      }
    } else if (!failing) {
      failing = true;
      spdlog::warn("bot {}: getWebhookInfo failed ({}); checking again every {} s", options.bot,
                   r.description, options.period.count());
    }
    may_set = true;
    co_await life.Sleep(options.period);
  }
}

}  // namespace tgate::webhook
