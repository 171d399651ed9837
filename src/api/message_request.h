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

namespace tgate::api {

// Longest plain text accepted, in code points (sent as up to 16 messages).
inline constexpr size_t kMaxPlainTextCodePoints = 16 * 4096;

struct MessageContent {
  std::string text;
  std::string options_json;  // the extra sendMessage fields, as a JSON object text
};

// Reads "text", "parse_mode", "entities", "disable_notification",
// "protect_content", "reply_markup", "link_preview_options" from `body`.
// InvalidArgument (400) for wrong types or empty text; Unprocessable (422) for
// text Telegram would refuse (bad markup, too long when formatted).
Result<MessageContent> ParseMessageContent(const boost::json::object& body);

}  // namespace tgate::api
