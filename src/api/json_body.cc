#include "api/json_body.h"

#include <charconv>

#include "core/json_numbers.h"

namespace tgate::api {

namespace json = boost::json;

Result<json::object> ParseJsonObject(const http::Request& req) {
  if (req.body().empty()) return Status::InvalidArgument("the request body is empty; send a JSON object");
  json::error_code ec;
  // Boost.JSON rejects invalid UTF-8 by default.
  json::value v = json::parse(req.body(), ec);
  if (ec) {
    return Status::InvalidArgument("the request body is not valid JSON (" + ec.message() +
                                   "); send a UTF-8 JSON object");
  }
  if (!v.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  // Parts of the body (reply_markup, entities...) are stored and sent on as
  // JSON; Boost.JSON would write 1e999 back as `Infinity`, which is not JSON.
  if (!AllNumbersFinite(v)) {
    return Status::InvalidArgument("the request body has a number too large for JSON (out of double range)");
  }
  return std::move(v.as_object());
}

Status CheckFields(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    bool known = false;
    for (std::string_view a : allowed) known |= (kv.key() == a);
    if (!known) return Status::InvalidArgument("unknown field '" + std::string(kv.key()) + "'");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return Status::InvalidArgument("field '" + std::string(key) + "' must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<int64_t>> OptInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<int64_t>();
  if (std::optional<int64_t> n = JsonInt64(*v)) return n;
  return Status::InvalidArgument("field '" + std::string(key) + "' must be an integer");
}

Result<std::optional<bool>> OptBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return Status::InvalidArgument("field '" + std::string(key) + "' must be true or false");
  return std::optional<bool>(v->as_bool());
}

Result<int64_t> ParsePositiveId(std::string_view text, std::string_view what) {
  int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id <= 0) {
    return Status::InvalidArgument(std::string(what) + " id must be a positive integer");
  }
  return id;
}

Status CheckUserId(std::string_view user) {
  if (user.empty()) return Status::InvalidArgument("'user' must not be empty");
  if (user.size() > 128) return Status::InvalidArgument("'user' must be at most 128 bytes");
  return Status::Ok();
}

}  // namespace tgate::api
