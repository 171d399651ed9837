// BotState: everything the emulated Bot API server knows about its one bot:
// flood limits, scripted chats and faults, pending updates, webhook settings,
// commands, known users, and the record of accepted messages and counters
// that tests read through the control API. All tokens the emulator accepts
// share this one state. A plain aggregate; the emulator confines it to one
// strand (see emulator.h). Not thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/emulator/chat_script.h"
#include "tools/emulator/limits.h"
#include "tools/emulator/update_queue.h"

namespace tgate::emulator {

// One accepted sendMessage, in arrival order.
struct SentMessage {
  int64_t chat_id = 0;
  int64_t message_id = 0;
  std::string text;
  bool paid = false;  // allow_paid_broadcast
  int64_t t_ms = 0;   // arrival, Unix milliseconds
  std::string parse_mode;
  std::string host;  // the request's Host header: tells apart senders that name the emulator differently
};

struct EmulatorStats {
  int64_t accepted = 0;                            // sendMessage answered ok
  int64_t rate_limited = 0;                        // sendMessage answered 429 by the limits
  std::map<std::string, int64_t> rate_limited_by;  // ... by the rule that refused (limits.h ToString)
  int64_t first_rate_limited_t_ms = 0;             // when the first was (Unix ms)
  int64_t faults = 0;                              // injected faults served
  int64_t max_concurrent = 0;                      // most sendMessage requests in flight at once
  int64_t webhook_delivered = 0;
  int64_t webhook_failed = 0;
  int64_t first_t_ms = 0;  // first / last accepted sendMessage (Unix ms)
  int64_t last_t_ms = 0;
};

struct WebhookSettings {
  std::string url;  // empty: no webhook (getUpdates mode)
  std::string secret_token;
  bool has_custom_certificate = false;
  std::string certificate_pem;  // uploaded with setWebhook: the only trust for https:// deliveries
  int max_connections = 40;
  int64_t last_error_date = 0;  // Unix seconds; 0: none
  std::string last_error_message;
};

struct KnownUser {
  std::string first_name;
  std::string username;
};

struct BotState {
  BotState(LimitOptions limit_options, std::string username, std::chrono::milliseconds retry_initial)
      : bot_username(std::move(username)), limits(limit_options), updates(retry_initial) {}

  // The next message_id in `chat_id` (per-chat counter, shared by the bot's
  // and the user's messages, as in Telegram's private chats).
  int64_t NextMessageId(int64_t chat_id) { return ++last_message_id[chat_id]; }
  // Whether updates of `type` are delivered under the current allowed_updates
  // (default: all but chat_member, message_reaction, message_reaction_count;
  // botapi-facts.md §2, §7).
  bool Allowed(std::string_view type) const;
  // Queues an update {"<type>": payload} on `lane` unless filtered out, and
  // calls on_update. Returns its update_id, or 0 when filtered out.
  int64_t Enqueue(int64_t lane, const std::string& type, boost::json::value payload);
  // Forgets the records and counters (control API reset).
  void ResetRecords();

  std::string bot_username;
  int64_t bot_id = 0;  // numeric part of the first accepted token (for my_chat_member)
  Limits limits;
  ChatScript script;
  UpdateQueue updates;
  WebhookSettings webhook;
  std::optional<std::vector<std::string>> allowed_updates;  // nullopt or empty: the default
  boost::json::array commands;
  std::unordered_map<int64_t, int64_t> last_message_id;
  std::unordered_map<int64_t, KnownUser> users;

  std::vector<SentMessage> sent;
  EmulatorStats stats;
  int64_t sends_in_flight = 0;

  // Called after an update is queued (wakes the webhook sender / long poll).
  std::function<void()> on_update;
};

}  // namespace tgate::emulator
