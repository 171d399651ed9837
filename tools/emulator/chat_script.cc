#include "tools/emulator/chat_script.h"

#include <boost/beast/http/status.hpp>

namespace tgate::emulator {

Result<ChatBehavior> ParseChatBehavior(std::string_view name) {
  if (name == "ok") return ChatBehavior::kOk;
  if (name == "blocked") return ChatBehavior::kBlocked;
  if (name == "deactivated") return ChatBehavior::kDeactivated;
  if (name == "not_found") return ChatBehavior::kNotFound;
  if (name == "migrate") return ChatBehavior::kMigrate;
  return Status::InvalidArgument("behavior must be ok, blocked, deactivated, not_found or migrate");
}

void ChatScript::Set(int64_t chat_id, ChatBehavior behavior, int64_t migrate_to) {
  if (behavior == ChatBehavior::kOk) {
    chats_.erase(chat_id);
    blocked_by_user_.erase(chat_id);
    return;
  }
  chats_[chat_id] = Script{behavior, migrate_to};
}

void ChatScript::SetBlockedByUser(int64_t user_id, bool blocked) {
  if (blocked) {
    blocked_by_user_.insert(user_id);
  } else {
    blocked_by_user_.erase(user_id);
  }
}

bool ChatScript::IsBlocked(int64_t chat_id) const {
  if (blocked_by_user_.count(chat_id)) return true;
  auto it = chats_.find(chat_id);
  return it != chats_.end() && it->second.behavior == ChatBehavior::kBlocked;
}

std::optional<BotReply> ChatScript::Check(int64_t chat_id) const {
  // Descriptions are the Bot API's exact texts (botapi-facts.md §5).
  if (blocked_by_user_.count(chat_id)) return BotReply::Error(403, "Forbidden: bot was blocked by the user");
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return std::nullopt;
  switch (it->second.behavior) {
    case ChatBehavior::kOk:
      return std::nullopt;
    case ChatBehavior::kBlocked:
      return BotReply::Error(403, "Forbidden: bot was blocked by the user");
    case ChatBehavior::kDeactivated:
      return BotReply::Error(403, "Forbidden: user is deactivated");
    case ChatBehavior::kNotFound:
      return BotReply::Error(400, "Bad Request: chat not found");
    case ChatBehavior::kMigrate:
      return BotReply::Error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                             boost::json::object{{"migrate_to_chat_id", it->second.migrate_to}});
  }
  return std::nullopt;
}

BotReply FaultReply(unsigned status) {
  std::string reason(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status)));
  if (status == 429) return BotReply::TooManyRequests(1);
  if (status == 502 || status == 503 || status == 504) {
    // What a reverse proxy in front of the Bot API answers: HTML, not JSON
    // (botapi-facts.md §5: "502/5xx not JSON-guaranteed").
    BotReply r;
    r.status = status;
    r.raw = true;
    r.raw_content_type = "text/html";
    r.raw_body = "<html>\r\n<head><title>" + std::to_string(status) + " " + reason +
                 "</title></head>\r\n<body>\r\n<center><h1>" + std::to_string(status) + " " + reason +
                 "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    return r;
  }
  return BotReply::Error(status, reason);
}

void ChatScript::InjectStatus(unsigned status, int count) {
  if (count > 0) faults_.push_back(Fault{FaultReply(status), count});
}

void ChatScript::InjectDrop(int count) {
  if (count <= 0) return;
  BotReply r;
  r.drop = true;
  r.status = 0;
  faults_.push_back(Fault{std::move(r), count});
}

void ChatScript::StartOutage(unsigned status) {
  if (status != 0) {
    outage_ = FaultReply(status);
    return;
  }
  BotReply r;
  r.drop = true;
  r.status = 0;
  outage_ = std::move(r);
}

std::optional<BotReply> ChatScript::TakeFault() {
  if (faults_.empty()) return std::nullopt;
  BotReply r = faults_.front().reply;
  if (--faults_.front().remaining <= 0) faults_.pop_front();
  return r;
}

void ChatScript::Clear() {
  chats_.clear();
  blocked_by_user_.clear();
  faults_.clear();
  outage_.reset();
}

}  // namespace tgate::emulator
