// ParsedUpdate: the few fields of a Telegram Update that the gateway acts on
// (private /start deep links, my_chat_member blocks/unblocks, messages to
// forward). Not a full Update model: other update types are kOther. Not the
// JSON: whoever forwards an update forwards the text it was parsed from.
// Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::telegram {

struct ParsedUpdate {
  int64_t update_id = 0;
  enum Kind { kMessage, kMyChatMember, kOther } kind = kOther;
  int64_t chat_id = 0;        // message.chat.id / my_chat_member.chat.id
  std::string chat_type;      // "private", "group", "supergroup", "channel"
  int64_t from_id = 0;        // 0 when absent (e.g. channel posts)
  std::string from_username;  // without '@'; may be empty
  std::string text;           // message.text; empty for media without text
  std::string new_status;     // my_chat_member.new_chat_member.status:
                              // "kicked" = blocked, "member" = unblocked (botapi-facts.md §7)
};

// Parses one Update. InvalidArgument for a body that is not JSON, not an
// object, or lacks a non-negative integer update_id. `message` gives kMessage
// and `my_chat_member` gives kMyChatMember; edited_message, channel_post,
// callback_query etc. give kOther. A message or my_chat_member is refused
// (InvalidArgument, naming the field) when it is not an object, its chat has
// no non-zero integer id, or a field read here has the wrong JSON type (a
// non-string text, chat.type, from.username or new_chat_member.status, a
// non-integer from.id); absent optional fields are empty. Refused too: a
// number out of a double's range (its text is stored and forwarded, and a
// later reader could not parse it), even where a later value of its key
// replaced it. A key given twice counts by its last value.
Result<ParsedUpdate> ParseUpdate(std::string_view json);

// The deep-link payload of a "/start" message: "" for a bare "/start",
// "PAYLOAD" for "/start PAYLOAD" or "/start@bot_username PAYLOAD" (the
// username compared case-insensitively, with or without '@'; any username is
// accepted when bot_username is empty). nullopt for anything else, including
// "/start@other_bot" and "/started".
std::optional<std::string> StartPayload(const ParsedUpdate& update, std::string_view bot_username);

}  // namespace tgate::telegram
