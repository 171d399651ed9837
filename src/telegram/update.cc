// Update parsing (see update.h).
#include "telegram/update.h"

#include <boost/json/parse.hpp>

#include <limits>

#include "core/json_numbers.h"

namespace tgate::telegram {
namespace {

namespace json = boost::json;

const json::object* Object(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const json::value* v = parent->if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::optional<int64_t> Int(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return std::nullopt;
  const json::value* v = parent->if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= uint64_t(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::string String(const json::object* parent, std::string_view key) {
  if (parent == nullptr) return {};
  const json::value* v = parent->if_contains(key);
  const json::string* s = v ? v->if_string() : nullptr;
  return s ? std::string(s->data(), s->size()) : std::string();
}

// Fills chat and sender from an object holding "chat" and "from" (Message and
// ChatMemberUpdated share the shape).
void FillChatAndSender(const json::object* holder, ParsedUpdate& u) {
  const json::object* chat = Object(holder, "chat");
  u.chat_id = Int(chat, "id").value_or(0);
  u.chat_type = String(chat, "type");
  const json::object* from = Object(holder, "from");
  u.from_id = Int(from, "id").value_or(0);
  u.from_username = String(from, "username");
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ParsedUpdate> ParseUpdate(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("update is not valid JSON");
  const json::object* root = doc.if_object();
  if (root == nullptr) return Status::InvalidArgument("update is not a JSON object");
  auto update_id = Int(root, "update_id");
  if (!update_id || *update_id < 0) return Status::InvalidArgument("update has no valid update_id");
  // Its raw JSON is stored and forwarded; Boost.JSON would write 1e999 back as
  // `Infinity`, which no later reader could parse.
  if (!AllNumbersFinite(doc)) return Status::InvalidArgument("update has a number out of range");

  ParsedUpdate u;
  u.update_id = *update_id;
  if (const json::object* message = Object(root, "message")) {
    u.kind = ParsedUpdate::kMessage;
    FillChatAndSender(message, u);
    u.text = String(message, "text");
  } else if (const json::object* member = Object(root, "my_chat_member")) {
    u.kind = ParsedUpdate::kMyChatMember;
    FillChatAndSender(member, u);
    u.new_status = String(Object(member, "new_chat_member"), "status");
  }
  u.raw = std::move(doc);
  return u;
}

std::optional<std::string> StartPayload(const ParsedUpdate& update, std::string_view bot_username) {
  if (update.kind != ParsedUpdate::kMessage) return std::nullopt;
  constexpr std::string_view kStart = "/start";
  std::string_view text = update.text;
  if (text.substr(0, kStart.size()) != kStart) return std::nullopt;
  text.remove_prefix(kStart.size());
  if (!text.empty() && text.front() == '@') {
    size_t end = 1;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    std::string_view mentioned = text.substr(1, end - 1);
    if (!bot_username.empty() && bot_username.front() == '@') bot_username.remove_prefix(1);
    if (mentioned.empty() || (!bot_username.empty() && !IEquals(mentioned, bot_username))) return std::nullopt;
    text.remove_prefix(end);
  }
  if (!text.empty() && !IsSpace(text.front())) return std::nullopt;  // "/started", "/start_x"
  return std::string(Trim(text));
}

}  // namespace tgate::telegram
