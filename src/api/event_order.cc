#include "api/event_order.h"

#include <boost/json.hpp>
#include <optional>

namespace tgate::api {
namespace {

namespace json = boost::json;

const json::object* Object(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::optional<int64_t> Id(const json::object* o) {
  if (o == nullptr) return std::nullopt;
  const json::value* id = o->if_contains("id");
  if (id == nullptr || !id->is_int64()) return std::nullopt;
  return id->as_int64();
}

// The chat Telegram keeps `update`'s order in: its object's chat, a callback
// query's message's chat, else its sender (from) or user.
std::optional<int64_t> UpdateChat(const json::object& update) {
  for (const auto& [key, value] : update) {
    const json::object* body = value.if_object();
    if (key == "update_id" || body == nullptr) continue;
    if (auto chat = Id(Object(*body, "chat"))) return chat;
    if (const json::object* message = Object(*body, "message")) {
      if (auto chat = Id(Object(*message, "chat"))) return chat;
    }
    if (auto from = Id(Object(*body, "from"))) return from;
    return Id(Object(*body, "user"));
  }
  return std::nullopt;
}

}  // namespace

std::string EventOrderKey(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  const json::object* event = ec ? nullptr : v.if_object();
  if (event == nullptr) return "";
  std::optional<int64_t> chat;
  if (const json::value* id = event->if_contains("chat_id"); id && id->is_int64()) {
    chat = id->as_int64();
  } else if (const json::object* update = Object(*event, "update")) {
    chat = UpdateChat(*update);
  }
  if (!chat) return "";
  std::string key;
  if (const json::value* bot = event->if_contains("bot"); bot && bot->is_string()) key = bot->as_string();
  key += '/';
  key += std::to_string(*chat);
  return key;
}

}  // namespace tgate::api
