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

// What a caller reads of a successful answer: its "result" whole, as a DOM
// (ApiResult::result), or only the message_id of the Message a send returns
// (ApiResult::message_id, set either way). The dispatcher's sends need only
// that, and read it without building a DOM of the answer: parsing the
// emulator's sendMessage answers into one was 13 % of tgate's instructions
// per delivered message (callgrind).
enum class ResultUse { kWhole, kMessageId };

struct ApiResult {
  ErrorKind kind = ErrorKind::kNone;
  unsigned http_status = 0;        // 0 when there was no HTTP answer
  std::string description;         // Telegram's text, or the transport failure
  int retry_after = 0;             // seconds (kRetryAfter)
  int64_t migrate_to_chat_id = 0;  // kMigrated
  int64_t message_id = 0;          // result.message_id when ok and the result has one
  boost::json::value result;       // the "result" field when ok (ResultUse::kWhole)

  bool ok() const { return kind == ErrorKind::kNone; }
  // Worth retrying the same request later (429, 5xx, network).
  bool transient() const {
    return kind == ErrorKind::kRetryAfter || kind == ErrorKind::kServerError || kind == ErrorKind::kNetwork;
  }
};

// Classifies an HTTP answer from the Bot API (pure; unit-tested). The same
// answer classifies the same either way of `use`, but for one: a success
// with no description whose strings are not all valid UTF-8 is a success to
// kMessageId (the message went out; resending it would send it twice) and,
// since its DOM would carry those bytes on, a server error to kWhole.
// kMessageId leaves `result` null.
ApiResult Classify(unsigned http_status, std::string_view body, int retry_after_header = -1,
                   ResultUse use = ResultUse::kWhole);
// A transport failure (no HTTP answer): kNetwork with `what`.
ApiResult NetworkFailure(std::string what);

std::string_view ToString(ErrorKind kind);

}  // namespace tgate::telegram
