// ChatScript: what the emulated Telegram does to a sendMessage before flood
// limits, scripted by tests: per-chat behaviour (blocked, deactivated, not
// found, migrated to a supergroup; botapi-facts.md §5) and a FIFO of injected
// transport faults ("the next K requests answer HTTP S" / "drop the
// connection"). Not the flood limiter (limits.h). Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/result.h"
#include "tools/emulator/bot_reply.h"

namespace tgate::emulator {

enum class ChatBehavior { kOk, kBlocked, kDeactivated, kNotFound, kMigrate };

// "ok", "blocked", "deactivated", "not_found", "migrate"; InvalidArgument otherwise.
Result<ChatBehavior> ParseChatBehavior(std::string_view name);

class ChatScript {
 public:
  // Scripts `chat_id`; `migrate_to` is used by kMigrate. kOk removes the script.
  void Set(int64_t chat_id, ChatBehavior behavior, int64_t migrate_to = 0);
  // The user blocked / unblocked the bot (control API block/unblock).
  void SetBlockedByUser(int64_t user_id, bool blocked);
  bool IsBlocked(int64_t chat_id) const;

  // The scripted error for a sendMessage to `chat_id`, or nullopt.
  std::optional<BotReply> Check(int64_t chat_id) const;

  // The next `count` requests answer HTTP `status` (500: the Bot API's JSON
  // "Internal Server Error"; 502/503/504: a proxy's HTML page; 429: retry
  // after 1; other codes: a JSON error named by the status).
  void InjectStatus(unsigned status, int count);
  // The next `count` requests get the connection closed without an answer.
  void InjectDrop(int count);
  // Consumes one injected fault, if any is pending.
  std::optional<BotReply> TakeFault();
  // An outage: every Bot API call (any method) answers `status` (5xx), or
  // its connection drops (status 0), until EndOutage.
  void StartOutage(unsigned status);
  void EndOutage() { outage_.reset(); }
  const std::optional<BotReply>& outage() const { return outage_; }
  void Clear();

 private:
  struct Script {
    ChatBehavior behavior = ChatBehavior::kOk;
    int64_t migrate_to = 0;
  };
  struct Fault {
    BotReply reply;
    int remaining = 0;
  };
  std::unordered_map<int64_t, Script> chats_;
  std::unordered_set<int64_t> blocked_by_user_;
  std::deque<Fault> faults_;
  std::optional<BotReply> outage_;
};

// The reply an injected HTTP `status` fault gives (exposed for tests).
BotReply FaultReply(unsigned status);

}  // namespace tgate::emulator
