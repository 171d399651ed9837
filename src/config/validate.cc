// ValidateForServe: what `tgate serve` needs before it starts, with messages
// that say which key to set.
#include <libpq-fe.h>

#include <fstream>
#include <set>

#include "config/config.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "telegram/bot_token.h"

namespace tgate::config {
namespace {

// Ten years; beyond that, 0 (forever) says what is meant.
constexpr int64_t kMaxRetentionDays = 3650;
// A queued message waits at most a month: longer, and its news is stale anyway.
constexpr int64_t kMaxQueueAgeSeconds = 31 * 86400;
// More HTTP threads than this only add CPU: the io thread, which runs every
// handler, is then the limit.
constexpr int64_t kMaxHttpThreads = 8;
// As Telegram's own webhook allows (botapi-facts.md, max_connections).
constexpr int64_t kMaxEventsConcurrency = 100;

bool IsSecretChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

// What a newcomer copies from the README and must replace: "...",
// "change-me", and URLs on example.com (reserved for examples, RFC 2606).
bool IsPlaceholder(std::string_view v) { return v == "..." || v == "change-me" || v.ends_with("..."); }
// The placeholder, quoted, when it is one of the README's own words; never a
// value that could be someone's secret.
std::string Shown(std::string_view v) {
  return v == "..." || v == "change-me" ? " \"" + std::string(v) + "\"" : "";
}
bool IsExampleUrl(std::string_view url) {
  for (std::string_view scheme : {"https://example.com", "http://example.com"}) {
    if (url.starts_with(scheme) &&
        (url.size() == scheme.size() || url[scheme.size()] == '/' || url[scheme.size()] == ':')) {
      return true;
    }
  }
  return false;
}

Status ValidateBot(BotConfig& b, size_t index) {
  const std::string at = "bots[" + std::to_string(index) + "]";
  const std::string who = at + " ('" + b.name + "')";
  const std::string token_var = TokenVariable(b.name, index == 0);
  if (b.token.empty()) {
    return Status::InvalidArgument("no bot token for " + who + ": set " + token_var + " (or " + at +
                                   ".token in the config file), "
                                   "or run `tgate sandbox` to try tgate without one");
  }
  if (Status s = telegram::ValidateBotToken(b.token); !s.ok()) {
    return Status::InvalidArgument(
        "the token of " + who + " (" + token_var + " or " + at +
        ".token) is not shaped like a bot token: expected <id>:<secret> as "
        "@BotFather gives it, e.g. 123456789:AA... (35 characters after the colon)");
  }
  if (!b.webhook_secret.empty()) {
    if (b.webhook_secret.size() > 256) {
      return Status::InvalidArgument(at + ".webhook_secret is longer than 256 characters (Telegram's limit)");
    }
    for (char c : b.webhook_secret) {
      if (!IsSecretChar(c)) {
        return Status::InvalidArgument(
            at + ".webhook_secret may contain only A-Z, a-z, 0-9, _ and - (Telegram's rule for " +
            "secret_token)" + (IsPlaceholder(b.webhook_secret) ? ": replace the README's placeholder" : "") +
            "; make one with `openssl rand -hex 32`, or leave it out to not check the header" +
            (index == 0 ? " (TGATE_WEBHOOK_SECRET)" : ""));
      }
    }
  }
  for (char c : b.webhook_path) {
    if (!IsSecretChar(c)) {
      return Status::InvalidArgument(at + ".webhook_path may contain only A-Z, a-z, 0-9, _ and -");
    }
  }
  if (IsExampleUrl(b.public_url)) {
    return Status::InvalidArgument(at + ".public_url is the README's example (" + b.public_url + "): set it" +
                                   (index == 0 ? " (or TGATE_PUBLIC_URL)" : "") +
                                   " to the public https:// origin that reaches tgate, or leave it out");
  }
  if (!b.webhook_certificate.empty() && !std::ifstream(b.webhook_certificate).good()) {
    return Status::InvalidArgument(
        "cannot read " + at + ".webhook_certificate '" + b.webhook_certificate + "'" +
        (index == 0 ? " (TGATE_WEBHOOK_CERTIFICATE)" : "") +
        ": give the PEM certificate (public key) Telegram should trust, or leave it out");
  }
  const Limits& l = b.limits;
  const std::string limits = at + ".limits.";
  for (const auto& [key, value] : {std::pair<const char*, double>{"global_per_sec", l.global_per_sec},
                                   {"chat_per_sec", l.chat_per_sec},
                                   {"group_per_min", l.group_per_min},
                                   {"paid_per_sec", l.paid_per_sec}}) {
    if (!(value > 0)) return Status::InvalidArgument(limits + key + " must be positive");
  }
  if (!(l.chat_burst >= 1)) return Status::InvalidArgument(limits + "chat_burst must be at least 1");
  if (l.max_in_flight < 1 || l.max_in_flight > 1000) {
    return Status::InvalidArgument(limits +
                                   "max_in_flight must be 1..1000 (the Bot API refuses beyond about 1000)");
  }
  if (l.max_attempts < 1) return Status::InvalidArgument(limits + "max_attempts must be >= 1");
  if (b.max_queue_age_seconds < 0 || b.max_queue_age_seconds > kMaxQueueAgeSeconds) {
    return Status::InvalidArgument(at + ".max_queue_age_seconds must be 1.." +
                                   std::to_string(kMaxQueueAgeSeconds) + " (or 0: the top-level one)");
  }
  return Status::Ok();
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// `db`: a SQLite path or a PostgreSQL URL. A URL is checked by libpq's own
// parser, so what passes here is what the store will connect with. Messages
// never repeat the URL: it may hold a password.
Status ValidateDb(const Config& c) {
  if (c.db.empty())
    return Status::InvalidArgument("db is empty: set TGATE_DB to a SQLite file or a postgresql:// URL");
  const bool url = c.db.starts_with("postgresql://") || c.db.starts_with("postgres://");
  if (!url) {
    if (StartsWithNoCase(c.db, "postgres") && c.db.find(':') != std::string::npos) {
      return Status::InvalidArgument(
          "db looks like a PostgreSQL URL but does not start with postgresql:// or postgres:// "
          "(TGATE_DB); a SQLite database is a file path");
    }
    if (c.db_synchronous != "normal" && c.db_synchronous != "full") {
      return Status::InvalidArgument("db_synchronous must be \"normal\" or \"full\"");
    }
    return Status::Ok();
  }
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(c.db.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Status::InvalidArgument("db is not a valid PostgreSQL URL (TGATE_DB): " + why);
  }
  PQconninfoFree(options);
  return Status::Ok();
}

}  // namespace

void FillDefaults(Config& c) {
  for (BotConfig& b : c.bots) {
    if (b.webhook_path.empty() && !b.token.empty()) {
      // Stable across restarts (Telegram keeps calling the same URL) and
      // unguessable without the token.
      b.webhook_path = HmacSha256Base64Url(b.token, "tgate webhook path").substr(0, 32);
    }
  }
}

Status ValidateForServe(Config& c) {
  FillDefaults(c);
  if (c.bots.empty()) {
    return Status::InvalidArgument(
        "no bot configured: set TGATE_BOT_TOKEN (or add [[bots]] with a token to the config file), "
        "or run `tgate sandbox` to try tgate without one");
  }
  // db_synchronous is SQLite's: ignored for PostgreSQL (its own settings decide).
  TGATE_RETURN_IF_ERROR(ValidateDb(c));
  if (c.link_ttl_seconds < 10) return Status::InvalidArgument("link_ttl_seconds must be at least 10");
  if (c.retention_days < 0 || c.retention_days > kMaxRetentionDays) {
    return Status::InvalidArgument("retention_days must be 0 (keep finished messages forever) or 1.." +
                                   std::to_string(kMaxRetentionDays) + " days, not " +
                                   std::to_string(c.retention_days) + " (TGATE_RETENTION_DAYS)");
  }
  if (c.max_connections < 0) {
    return Status::InvalidArgument(
        "max_connections must be 0 (10,000, within the open-file limit) or a positive "
        "number of connections (TGATE_MAX_CONNECTIONS)");
  }
  if (c.events_concurrency < 1 || c.events_concurrency > kMaxEventsConcurrency) {
    return Status::InvalidArgument("events_concurrency must be 1 (one event at a time) to " +
                                   std::to_string(kMaxEventsConcurrency) + " events POSTed at once, not " +
                                   std::to_string(c.events_concurrency) + " (TGATE_EVENTS_CONCURRENCY)");
  }
  if (c.http_threads < 0 || c.http_threads > kMaxHttpThreads) {
    return Status::InvalidArgument(
        "http_threads must be 0 (the io thread reads and writes the connections) to " +
        std::to_string(kMaxHttpThreads) + ", not " + std::to_string(c.http_threads) +
        " (TGATE_HTTP_THREADS)");
  }
  if (c.max_queue_age_seconds < 1 || c.max_queue_age_seconds > kMaxQueueAgeSeconds) {
    return Status::InvalidArgument("max_queue_age_seconds must be 1.." + std::to_string(kMaxQueueAgeSeconds) +
                                   " seconds, not " + std::to_string(c.max_queue_age_seconds) +
                                   " (TGATE_MAX_QUEUE_AGE_SECONDS)");
  }
  TGATE_RETURN_IF_ERROR(SplitHostPort(c.listen).status());
  std::set<std::string> names;
  for (size_t i = 0; i < c.bots.size(); ++i) {
    if (!names.insert(c.bots[i].name).second) {
      return Status::InvalidArgument("two bots are named '" + c.bots[i].name + "'; names must be unique");
    }
    if (!c.bots[i].name.empty() && c.bots[i].name[0] == '~') {
      // Reserved: "~events" and "~pruner" are leased like bots (app/gateway.cc).
      return Status::InvalidArgument("bot name '" + c.bots[i].name +
                                     "' starts with '~', which tgate keeps for itself");
    }
    TGATE_RETURN_IF_ERROR(ValidateBot(c.bots[i], i));
  }
  if (c.api_key.empty()) {
    return Status::InvalidArgument(
        "no API key: set TGATE_API_KEY (or api_key in the config file), e.g. to the output of "
        "`openssl rand -hex 32`; sites send it as 'Authorization: Bearer <key>'");
  }
  if (IsPlaceholder(c.api_key)) {
    return Status::InvalidArgument("api_key is still the README's placeholder" + Shown(c.api_key) +
                                   ": set a real key in TGATE_API_KEY or api_key, e.g. the output of "
                                   "`openssl rand -hex 32`; sites send it as 'Authorization: Bearer <key>'");
  }
  if (IsExampleUrl(c.events_url)) {
    return Status::InvalidArgument("events_url is the README's example (" + c.events_url +
                                   "): set TGATE_EVENTS_URL (or events_url) to your site's endpoint for "
                                   "events, or leave it out to keep them in the outbox");
  }
  if (IsPlaceholder(c.events_secret)) {
    return Status::InvalidArgument(
        "events_secret is still the README's placeholder" + Shown(c.events_secret) +
        ": set TGATE_EVENTS_SECRET (or events_secret) to a real key, e.g. the output of "
        "`openssl rand -hex 32`, or leave it out to send events unsigned");
  }
  return Status::Ok();
}

}  // namespace tgate::config
