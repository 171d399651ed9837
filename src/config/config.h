// Config: tgate's configuration, read from a TOML file and overridden by
// TGATE_* environment variables (names in DESIGN.md). Several bots may be
// configured; the first is the default. Plain data plus Load(); validation
// errors say which key is wrong and what to do. Not a secret store: the token
// is held here; no message built from a Config names it, and every log line
// is redacted anyway (telegram/redact.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "telegram/rate_limits.h"

namespace tgate::config {

// The limits of one bot: Telegram's flood limits (the base, botapi-facts.md
// §1; [bots.limits] global_per_sec, chat_per_sec, ...) and tgate's own.
// Ceilings, not promises: the dispatcher may go slower when Telegram pushes back.
struct Limits : telegram::RateLimits {
  int max_in_flight = 200;  // concurrent requests (server refuses beyond ~1000)
  int max_attempts = 8;     // transient failures before a message is failed
};

struct BotCommand {
  std::string command;      // 1-32 chars [a-z0-9_]
  std::string description;  // 1-256 chars
};

struct BotConfig {
  std::string name = "default";
  std::string token;  // empty only in sandbox mode
  std::string api_url = "https://api.telegram.org";
  // Unguessable path segment: POST /hooks/telegram/<webhook_path>.
  std::string webhook_path;
  // X-Telegram-Bot-Api-Secret-Token value (1-256 of [A-Za-z0-9_-]); empty = not checked.
  std::string webhook_secret;
  // Public base URL Telegram should call, e.g. "https://example.com" (for `webhook set`).
  std::string public_url;
  // A self-signed certificate (PEM public key) uploaded with setWebhook, for a
  // server Telegram reaches by IP or without a CA-signed certificate; empty = none.
  std::string webhook_certificate;
  // true: long-poll getUpdates instead of receiving webhooks.
  bool long_polling = false;
  std::string welcome_text = "You're connected! You'll get notifications here.";
  std::string invalid_link_text =
      "This link has expired or was already used. Please request a new one on the website.";
  std::vector<BotCommand> commands;
  Limits limits;
  // A queued message older than this fails as expired (it waits through a
  // Bot API outage until then); 0 = the top-level max_queue_age_seconds.
  int64_t max_queue_age_seconds = 0;
};

struct Config {
  std::string listen = "127.0.0.1:8080";  // host:port of the site API and webhook
  std::string db = "tgate.db";            // SQLite file
  std::string db_synchronous = "normal";  // "normal" (crash-safe) or "full" (power-loss-safe)
  // Days a finished message (sent, failed, cancelled), a finished broadcast,
  // a processed update and an undelivered event are kept before they are
  // deleted; 0 = kept forever. Queued messages are never deleted. At least 1
  // when set: processed updates dedupe Telegram's redeliveries, which come
  // for up to 24 hours.
  int64_t retention_days = 7;
  std::string api_key;        // Bearer key for /v1/*
  std::string events_url;     // where events are POSTed; empty = kept in the outbox
  std::string events_secret;  // HMAC-SHA256 key for the X-Tgate-Signature header
  // Events POSTed to the site at once, at most one per chat (each chat's in
  // order): as many as the site's events endpoint can handle side by side.
  int64_t events_concurrency = 8;
  int64_t link_ttl_seconds = 900;   // default link token lifetime (15 min)
  size_t max_body_bytes = 1 << 20;  // request body limit
  // Most site API and webhook connections open at once; 0 = 10,000. Either way
  // no more than the open-file limit leaves after tgate's own descriptors
  // (app/fd_limit.h). At the cap the idlest connections that never had a
  // successful request are closed first, the webhook's last.
  int64_t max_connections = 0;
  // Threads that read, parse and write the site API's and webhook's
  // connections beside the io thread, which runs their handlers; 0 = the io
  // thread does it all. One more lets HTTP use a second core, at about a
  // third more CPU per request (each request and its answer cross threads):
  // worth it only where tgate has that core to itself (app/threads.h).
  int64_t http_threads = 0;
  std::string log_level = "info";  // trace, debug, info, warn, error, critical or off
  // "text" (a human's line) or "json" (one JSON object a line, for log shippers).
  std::string log_format = "text";
  // How long a queued message may wait (through a Bot API outage, say)
  // before it fails as expired, unless its bot sets its own. 24 h.
  int64_t max_queue_age_seconds = 86400;
  std::vector<BotConfig> bots;

  // The bot named `name`, or the default (first) bot when name is empty.
  const BotConfig* FindBot(std::string_view name) const;
  // The bot's max_queue_age_seconds, or the top-level one.
  int64_t MaxQueueAgeSeconds(const BotConfig& bot) const {
    return bot.max_queue_age_seconds > 0 ? bot.max_queue_age_seconds : max_queue_age_seconds;
  }
};

using Env = std::map<std::string, std::string>;

// The process environment as an Env.
Env ProcessEnv();

// Parses TOML text (may be empty) and applies environment overrides.
// TGATE_* variables apply to the default bot. Refuses what it cannot read: a
// key it does not know (naming its path, e.g. bots[0].limit, and the closest
// known key), a value of the wrong type or range, a log level spdlog does not
// know (log_level is returned lower-case). Does not check completeness.
Result<Config> Parse(std::string_view toml_text, const Env& env);
// Reads `path` (empty: no file) then Parse(). A relative `db` (the default
// tgate.db included) or webhook_certificate from the file is taken against
// the file's folder, unless the environment sets it (TGATE_DB: the current
// folder's).
Result<Config> Load(const std::string& path, const Env& env);

// The TGATE_* variables of `env` that tgate does not read, given the parsed
// `config` (a typo such as TGATE_EVENT_URL, or TGATE_BOT_TOKEN_<NAME> for no
// configured bot), each as a sentence to warn with that names the closest
// variable tgate does read. Variables of tgate's own scripts and tests
// (TGATE_TEST_PG, ...) are not named. A warning, not an error: tgate does not
// own every TGATE_ variable a machine may set.
std::vector<std::string> UnreadEnvVariables(const Config& config, const Env& env);

// Checks what `serve` needs: a token per bot, an API key, sane limits; fills
// a random webhook_path when missing. Messages name the key to set.
Status ValidateForServe(Config& config);

// Fills derived defaults: a bot without webhook_path gets one derived from its
// token (stable across restarts, unguessable without the token).
void FillDefaults(Config& config);

// The environment variable that holds the token of bot `bot_name`: for the
// default (first) bot TGATE_BOT_TOKEN, else TGATE_BOT_TOKEN_<NAME> (upper
// case, other characters as '_'), which the default bot reads too.
std::string TokenVariable(std::string_view bot_name, bool default_bot);

// Splits "host:port". InvalidArgument if malformed.
Result<std::pair<std::string, uint16_t>> SplitHostPort(std::string_view listen);

}  // namespace tgate::config
