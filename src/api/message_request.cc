#include "api/message_request.h"

#include <boost/json.hpp>

#include "api/json_body.h"
#include "core/status_macros.h"
#include "core/utf8.h"
#include "telegram/text_length.h"

namespace tgate::api {

namespace json = boost::json;

namespace {

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Copies the optional sendMessage fields into `out`, checking their types.
Status CopyOptions(const json::object& body, json::object& out) {
  for (const char* key : {"disable_notification", "protect_content"}) {
    TGATE_ASSIGN_OR_RETURN(auto v, OptBool(body, key));
    if (v) out[key] = *v;
  }
  for (const char* key : {"reply_markup", "link_preview_options"}) {
    const json::value* v = body.if_contains(key);
    if (!v || v->is_null()) continue;
    if (!v->is_object()) return Status::InvalidArgument(std::string("field '") + key + "' must be an object");
    out[key] = *v;
  }
  return Status::Ok();
}

// Whether `v` holds a number that is not a whole one. sendMessage has no
// such field, and such a number (5.3e81) need not even survive being stored
// and read back exactly: the JSON parser rounds long mantissas.
bool HasFraction(const json::value& v) {
  if (v.is_double()) return true;
  if (const json::array* a = v.if_array()) {
    for (const json::value& e : *a)
      if (HasFraction(e)) return true;
  }
  if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o)
      if (HasFraction(kv.value())) return true;
  }
  return false;
}

}  // namespace

Result<MessageContent> ParseMessageContent(const json::object& body) {
  TGATE_ASSIGN_OR_RETURN(auto text, OptString(body, "text"));
  if (!text) return Status::InvalidArgument("field 'text' is required");
  if (IsBlank(*text)) return Status::InvalidArgument("'text' must not be empty");
  TGATE_ASSIGN_OR_RETURN(auto parse_mode, OptString(body, "parse_mode"));
  const json::value* entities = body.if_contains("entities");
  if (entities && !entities->is_null() && !entities->is_array()) {
    return Status::InvalidArgument("field 'entities' must be an array of MessageEntity");
  }
  bool has_entities = entities && entities->is_array();
  if (has_entities) {
    // Stored and sent as given, so each must be what Telegram reads: a type and
    // whole-number offset and length.
    for (const json::value& e : entities->as_array()) {
      const json::object* o = e.if_object();
      const json::value* type = o ? o->if_contains("type") : nullptr;
      const json::value* offset = o ? o->if_contains("offset") : nullptr;
      const json::value* length = o ? o->if_contains("length") : nullptr;
      auto whole = [](const json::value* v) {
        return v && ((v->is_int64() && v->get_int64() >= 0) || v->is_uint64());
      };
      if (!type || !type->is_string() || !whole(offset) || !whole(length)) {
        return Status::InvalidArgument(
            "each of 'entities' must be a MessageEntity: a string 'type' and whole-number 'offset' and "
            "'length' of at least 0");
      }
    }
  }
  if (has_entities && parse_mode && !parse_mode->empty()) {
    return Status::InvalidArgument("give either 'parse_mode' or 'entities', not both");
  }

  MessageContent out;
  out.text = std::move(*text);
  json::object options;
  bool formatted = has_entities || (parse_mode && !parse_mode->empty());
  if (formatted) {
    size_t length = 0;
    if (has_entities) {
      length = CountCodePoints(out.text);
      options["entities"] = *entities;
    } else {
      auto len = telegram::MessageTextLength(out.text, *parse_mode);
      if (!len.ok())
        return Status::Unprocessable("'text' cannot be sent with parse_mode '" + *parse_mode +
                                     "': " + len.status().message());
      length = *len;
      options["parse_mode"] = *parse_mode;
    }
    if (length == 0) return Status::InvalidArgument("'text' is empty after entity parsing");
    if (length > telegram::kMaxMessageTextLength || out.text.size() > telegram::kMaxRawMessageTextBytes) {
      return Status::Unprocessable("formatted text is " + std::to_string(length) +
                                   " characters after entity parsing; Telegram allows " +
                                   std::to_string(telegram::kMaxMessageTextLength) +
                                   ". Split it "
                                   "into several messages, or send it as plain text (which tgate splits)");
    }
  } else {
    size_t length = CountCodePoints(out.text);
    if (length > kMaxPlainTextCodePoints) {
      return Status::Unprocessable("text is " + std::to_string(length) + " characters; at most " +
                                   std::to_string(kMaxPlainTextCodePoints) +
                                   " are accepted (sent as up to 16 messages)");
    }
  }
  TGATE_RETURN_IF_ERROR(CopyOptions(body, options));
  if (HasFraction(options)) {
    return Status::InvalidArgument(
        "numbers in a message's fields must be whole numbers (sendMessage has no fractional field)");
  }
  out.options_json = json::serialize(options);
  return out;
}

Result<int64_t> ParseDeadline(const json::object& body, int64_t now_ms, int64_t max_seconds) {
  const json::value* v = body.if_contains("ttl_seconds");
  if (!v || v->is_null()) return int64_t{0};
  auto ttl = OptInt(body, "ttl_seconds");
  if (!ttl.ok() || **ttl <= 0) {
    return Status::InvalidArgument("'ttl_seconds' must be a positive whole number of seconds");
  }
  if (**ttl > max_seconds) {
    return Status::Unprocessable("'ttl_seconds' is " + std::to_string(**ttl) +
                                 "; this bot keeps a message at most " + std::to_string(max_seconds) +
                                 " s (max_queue_age_seconds)");
  }
  return now_ms + **ttl * 1000;
}

}  // namespace tgate::api
