// MessageContent: the text and sendMessage options of a site request
// (/v1/messages, /v1/broadcasts), validated against Telegram's rules before
// anything is stored (botapi-facts.md §6): text 1-4096 characters counted in
// code points after entity parsing; plain text longer than that is accepted and
// split when sent; formatted text (parse_mode or entities) longer than that is
// refused with 422, since splitting it could break its markup.
// Not addressing (user / chat_id) and not storage.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "core/result.h"
#include "telegram/text_length.h"

namespace tgate::api {

// Longest plain text accepted, in code points (sent as up to 16 messages).
inline constexpr size_t kMaxPlainTextCodePoints = 16 * telegram::kMaxMessageTextLength;

struct MessageContent {
  std::string text;
  std::string options_json;  // the extra sendMessage fields, as a JSON object text
};

// Reads "text", "parse_mode", "entities", "disable_notification",
// "protect_content", "reply_markup", "link_preview_options" from `body`.
// InvalidArgument (400) for wrong types or empty text; Unprocessable (422) for
// text Telegram would refuse (bad markup, too long when formatted).
Result<MessageContent> ParseMessageContent(const boost::json::object& body);

// Reads the optional "ttl_seconds" (seconds the message is worth sending;
// past it, it fails as expired rather than arriving late) and returns the
// deadline, now_ms + ttl in ms, or 0 without one. InvalidArgument (400)
// unless a positive whole number; Unprocessable (422) above `max_seconds`
// (the bot's max_queue_age_seconds: no message waits longer anyway).
Result<int64_t> ParseDeadline(const boost::json::object& body, int64_t now_ms, int64_t max_seconds);

}  // namespace tgate::api
