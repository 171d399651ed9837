// Update parsing (see update.h).
#include "telegram/update.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "core/json_numbers.h"
#include "core/status_macros.h"

namespace tgate::telegram {
namespace {

namespace json = boost::json;

// A string field: absent leaves `out` empty; any other type is an error.
Status OptString(const json::object* parent, std::string_view key, std::string_view where, std::string& out) {
  out.clear();
  const json::value* v = parent ? parent->if_contains(key) : nullptr;
  if (v == nullptr) return Status::Ok();
  const json::string* s = v->if_string();
  if (s == nullptr) return Status::InvalidArgument("update field " + std::string(where) + " is not a string");
  out.assign(s->data(), s->size());
  return Status::Ok();
}

// An object field: absent gives nullptr; any other type is an error.
Result<const json::object*> OptObject(const json::object* parent, std::string_view key,
                                      std::string_view where) {
  const json::value* v = parent ? parent->if_contains(key) : nullptr;
  if (v == nullptr) return static_cast<const json::object*>(nullptr);
  if (!v->is_object())
    return Status::InvalidArgument("update field " + std::string(where) + " is not an object");
  return &v->get_object();
}

// Fills chat and sender from an object holding "chat" and "from" (Message and
// ChatMemberUpdated share the shape). Telegram always sends the chat with an
// integer id; an update without one, or with a field of the wrong type, is
// refused here rather than acted on with chat id 0.
Status FillChatAndSender(const json::object* holder, std::string_view kind, ParsedUpdate& u) {
  const std::string k(kind);
  TGATE_ASSIGN_OR_RETURN(auto chat, OptObject(holder, "chat", k + ".chat"));
  auto chat_id = JsonInt64Field(chat, "id");
  if (chat == nullptr || !chat_id || *chat_id == 0) {
    return Status::InvalidArgument("update field " + k + ".chat has no integer id");
  }
  u.chat_id = *chat_id;
  TGATE_RETURN_IF_ERROR(OptString(chat, "type", k + ".chat.type", u.chat_type));
  TGATE_ASSIGN_OR_RETURN(auto from, OptObject(holder, "from", k + ".from"));
  if (from != nullptr && from->contains("id")) {
    auto from_id = JsonInt64Field(from, "id");
    if (!from_id) return Status::InvalidArgument("update field " + k + ".from.id is not an integer");
    u.from_id = *from_id;
  }
  return OptString(from, "username", k + ".from.username", u.from_username);
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
  // The tree lives only in this call: its nodes come from a buffer on the
  // stack (an update is mostly under it), not one allocation each.
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof(buffer));
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec, &arena);
  if (ec) return Status::InvalidArgument("update is not valid JSON");
  const json::object* root = doc.if_object();
  if (root == nullptr) return Status::InvalidArgument("update is not a JSON object");
  auto update_id = JsonInt64Field(root, "update_id");
  if (!update_id || *update_id < 0) return Status::InvalidArgument("update has no valid update_id");
  // Its text is stored and forwarded: 1e999 in it, no later reader could
  // parse.
  if (!AllNumbersFinite(doc)) return Status::InvalidArgument("update has a number out of range");

  ParsedUpdate u;
  u.update_id = *update_id;
  TGATE_ASSIGN_OR_RETURN(auto message, OptObject(root, "message", "message"));
  TGATE_ASSIGN_OR_RETURN(auto member, OptObject(root, "my_chat_member", "my_chat_member"));
  if (message != nullptr) {
    u.kind = ParsedUpdate::kMessage;
    TGATE_RETURN_IF_ERROR(FillChatAndSender(message, "message", u));
    TGATE_RETURN_IF_ERROR(OptString(message, "text", "message.text", u.text));
  } else if (member != nullptr) {
    u.kind = ParsedUpdate::kMyChatMember;
    TGATE_RETURN_IF_ERROR(FillChatAndSender(member, "my_chat_member", u));
    TGATE_ASSIGN_OR_RETURN(auto new_member,
                           OptObject(member, "new_chat_member", "my_chat_member.new_chat_member"));
    TGATE_RETURN_IF_ERROR(
        OptString(new_member, "status", "my_chat_member.new_chat_member.status", u.new_status));
  }
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
    if (mentioned.empty() || (!bot_username.empty() && !IEquals(mentioned, bot_username)))
      return std::nullopt;
    text.remove_prefix(end);
  }
  if (!text.empty() && !IsSpace(text.front())) return std::nullopt;  // "/started", "/start_x"
  return std::string(Trim(text));
}

}  // namespace tgate::telegram
