// The records tgate keeps: link tokens, bindings (site user <-> chat), queued
// messages, broadcasts, received updates and outgoing events. Plain data: no
// behaviour, no storage details. Times are Unix seconds unless named `_ms`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgate::store {

// A one-time deep-link token waiting for `/start <token>`.
struct LinkToken {
  std::string token;
  std::string bot;
  std::string user;
  int64_t expires_at = 0;
};

enum class UserStatus { kActive, kBlocked };

// A site user bound to a Telegram chat, per bot. A chat belongs to at most one
// user of a bot and a user to one chat.
struct Binding {
  std::string bot;
  std::string user;
  int64_t chat_id = 0;
  UserStatus status = UserStatus::kActive;
  int64_t linked_at = 0;
};

enum class MessageStatus { kQueued, kSent, kFailed, kCancelled };

// Lower sends first: one-to-one messages overtake broadcast messages.
enum class Priority { kDirect = 0, kBroadcast = 1 };

// What the site (or tgate itself) asks to send.
struct NewMessage {
  std::string bot;
  // The site user it is for; empty when addressed by chat_id only. With
  // chat_id 0, QueueStore::Enqueue addresses it to the chat of the user's
  // binding, read in the insert's transaction (after an idempotency key's
  // replay is answered): see AddressedChat (store_validation.h).
  std::string user;
  int64_t chat_id = 0;
  std::string text;
  std::string options_json;     // extra sendMessage fields as a JSON object text ("{}" if none)
  std::string idempotency_key;  // empty: none
  Priority priority = Priority::kDirect;
  int64_t expires_at_ms = 0;  // Unix ms: failed as expired if not sent by then; 0: no deadline
  // What the key stands for (api/idempotency.h): a later request with the
  // same key and another fingerprint is refused. Empty: not compared.
  std::string idempotency_fingerprint;
};

// What QueueStore::Enqueue did: the message's id, and whether it was already
// there (an idempotency key used before: nothing new was stored).
struct Enqueued {
  int64_t id = 0;
  bool existed = false;
};

// A message in the durable queue and, later, its outcome.
struct Message {
  int64_t id = 0;
  std::string bot;
  std::string user;
  int64_t chat_id = 0;
  std::string text;
  std::string options_json;
  Priority priority = Priority::kDirect;
  int64_t broadcast_id = 0;  // 0: not part of a broadcast
  bool paid = false;         // allow_paid_broadcast
  MessageStatus status = MessageStatus::kQueued;
  int attempts = 0;           // sends of its most-tried part (1: each part went at once)
  int parts_sent = 0;         // parts of a split text already delivered
  int64_t not_before_ms = 0;  // Unix ms; do not send earlier (spread, retry backoff)
  int64_t telegram_message_id = 0;
  std::string error;          // why it failed
  int64_t expires_at_ms = 0;  // Unix ms deadline (its broadcast's for a broadcast message); 0: none
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int parts = 0;  // Telegram messages its text became; 0 until split for sending
  // As read: its chat is bound to a user who has blocked the bot or is
  // deactivated (whether it was addressed by user or by chat id). No index
  // finds a chat's queued messages, so they are not failed when the chat
  // closes: the dispatcher fails each, unsent, as it loads it (a user who
  // unblocks first gets them).
  bool chat_blocked = false;
};

// A chat whose user blocked the bot or is deactivated, as a send's answer
// said, closed in the transaction that writes that send's outcome
// (QueueStore::WriteOutcomes): whoever is bound to it gets `status`. Its
// messages still queued in the store fail as they are loaded
// (Message::chat_blocked); the dispatcher fails those it holds.
struct ClosedChat {
  std::string bot;
  int64_t chat_id = 0;
  UserStatus status = UserStatus::kBlocked;
};

// The outcome of one delivery attempt, written back in batches.
struct Completion {
  int64_t id = 0;
  MessageStatus status = MessageStatus::kQueued;  // kQueued = retry later
  int attempts = 0;                               // sends of the most-tried part
  int parts_sent = 0;
  int64_t not_before_ms = 0;
  int64_t telegram_message_id = 0;
  std::string error;
  int parts = 0;  // the parts its text was split into (0: unknown, the stored value stays)
  // The message's broadcast as its writer knows it (0: none). A hint only:
  // SQLite writes a completion of a message still queued in one statement
  // when it matches, and reads the row first otherwise.
  int64_t broadcast_id = 0;
};

// A message's parts that reached a group, as RecentGroupSends reports them:
// `parts` sends, counted as if all made at the second the row was last written
// (the store keeps seconds; later is the safe side for a rate window).
struct GroupSend {
  int64_t chat_id = 0;
  int64_t at_s = 0;  // messages.updated_at, Unix seconds
  int parts = 0;
};

// Changes to a broadcast's message counts (by status), as a store applies them.
struct BroadcastCounts {
  int64_t sent = 0, failed = 0, cancelled = 0;
  void Add(MessageStatus status, int64_t n) {
    if (status == MessageStatus::kSent) sent += n;
    if (status == MessageStatus::kFailed) failed += n;
    if (status == MessageStatus::kCancelled) cancelled += n;
  }
};

struct NewBroadcast {
  std::string bot;
  bool all = false;                // every active binding of the bot
  std::vector<std::string> users;  // used when !all; unknown/blocked users are skipped
  std::string text;
  std::string options_json;
  int64_t spread_seconds = 0;  // 0: as fast as the limits allow
  bool paid = false;
  std::string idempotency_key;  // empty: none (as NewMessage's, in a namespace of broadcasts)
  std::string idempotency_fingerprint;
  int64_t expires_at_ms = 0;  // Unix ms deadline of every message; 0: none
};

// A requested user a broadcast to a list left out, and why: "not_linked"
// or "blocked" (store/skipped_users.h).
struct SkippedUser {
  std::string user;
  std::string reason;
  bool operator==(const SkippedUser&) const = default;
};

struct Broadcast {
  int64_t id = 0;
  std::string bot;
  std::string status;  // "running" | "done" | "cancelled"
  int64_t total = 0;
  int64_t sent = 0;
  int64_t failed = 0;
  int64_t pending = 0;
  int64_t cancelled = 0;
  int64_t skipped = 0;                     // requested users not linked or blocked
  std::vector<SkippedUser> skipped_users;  // which, in request order (a users list only)
  int64_t spread_seconds = 0;
  bool paid = false;
  int64_t created_at = 0;
};

// A Telegram update received and stored before acknowledging it.
struct Update {
  std::string bot;
  int64_t update_id = 0;
  std::string payload;  // the raw JSON
  // Stored as processed, not pending (InboxStore::InsertUpdate): its
  // processing commits in the same transaction (an update processed on
  // receipt, webhook/update_processor.h), so nobody else takes it up. Its
  // payload is not kept: only a pending update's is ever read, and what
  // processing forwards went out in its event.
  bool processed = false;
};

// What one bounded pruning call did (Store::PruneMessages, PruneUpdates).
struct PruneResult {
  int64_t deleted = 0;
  // The pass reached the cutoff: nothing older is left to look at until
  // more rows age past it. false: call again to go on.
  bool done = false;
};

// An event for the site, in the durable outbox.
struct Event {
  int64_t id = 0;
  std::string payload;  // JSON object text, includes "type"
  int attempts = 0;
  int64_t next_attempt_ms = 0;
};

// The words the API and the CLI show for a status ("queued", "active", ...).
std::string_view ToString(MessageStatus status);
std::string_view ToString(UserStatus status);

}  // namespace tgate::store
