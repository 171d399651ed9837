// ApiResult: the classified outcome of one Bot API call. Classification keys
// on the HTTP status, the description prefix and `parameters` (never on the
// text alone; botapi-facts.md §5), so the dispatcher can decide: retry later,
// wait out retry_after, mark blocked, move a migrated chat, or give up.
// Descriptions are Telegram's and never contain the bot token.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace tgate::telegram {

enum class ErrorKind {
  kNone,          // ok
  kRetryAfter,    // 429 with parameters.retry_after
  kBlocked,       // 403 "Forbidden: bot was blocked by the user"
  kDeactivated,   // 403 "Forbidden: user is deactivated"
  kForbidden,     // other 403 (kicked, can't initiate, not a member...)
  kChatNotFound,  // 400 "Bad Request: chat not found" / "private chat not found"
  kMigrated,      // 400 with parameters.migrate_to_chat_id
  kBadRequest,    // other 400 (can't parse entities, text too long...)
  kUnauthorized,  // 401: token revoked or invalid; stop all sending for the bot
  kNotFound,      // 404: bad method or malformed token
  kConflict,      // 409: webhook vs getUpdates
  kServerError,   // 5xx, or a body that is not the Bot API's JSON
  kNetwork,       // connect/reset/TLS failure or timeout: no answer at all
};

struct ApiResult {
  ErrorKind kind = ErrorKind::kNone;
  unsigned http_status = 0;        // 0 when there was no HTTP answer
  std::string description;         // Telegram's text, or the transport failure
  int retry_after = 0;             // seconds (kRetryAfter)
  int64_t migrate_to_chat_id = 0;  // kMigrated
  boost::json::value result;       // the "result" field when ok

  bool ok() const { return kind == ErrorKind::kNone; }
  // Worth retrying the same request later (429, 5xx, network).
  bool transient() const {
    return kind == ErrorKind::kRetryAfter || kind == ErrorKind::kServerError || kind == ErrorKind::kNetwork;
  }
};

// Classifies an HTTP answer from the Bot API (pure; unit-tested).
ApiResult Classify(unsigned http_status, std::string_view body, int retry_after_header = -1);
// A transport failure (no HTTP answer): kNetwork with `what`.
ApiResult NetworkFailure(std::string what);

std::string_view ToString(ErrorKind kind);

}  // namespace tgate::telegram
