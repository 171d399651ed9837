// SqliteStore: broadcasts. A broadcast is one row plus one queued message per
// target chat, created by a single INSERT ... SELECT so a million targets never
// pass through C++ memory. Progress counts are derived from the messages.
#include <ctime>
#include <string>

#include "store/sqlite_codes.h"
#include "store/sqlite_store.h"

namespace tgate::store {
namespace {

// not_before_ms spreads the targets (ordered by chat id) evenly over the
// window: the k-th (0-based) of `total` waits now + k * spread_ms / total.
// Broadcast messages keep text/options_json NULL: they read the broadcast's.
#define TGATE_BROADCAST_MESSAGE_COLUMNS                                                      \
  "INSERT INTO messages (bot, user, chat_id, priority, broadcast_id, paid, status, "         \
  "not_before_ms, created_at, updated_at) "                                                  \
  "SELECT ?1, t.user, t.chat_id, 1, ?2, ?3, 0, "                                             \
  "?4 + (row_number() OVER (ORDER BY t.chat_id) - 1) * ?5 / ?6, ?7, ?7 "

constexpr const char* kInsertAllTargets = TGATE_BROADCAST_MESSAGE_COLUMNS
    "FROM bindings t WHERE t.bot = ?1 AND t.status = 0 ORDER BY t.chat_id";
constexpr const char* kInsertListedTargets = TGATE_BROADCAST_MESSAGE_COLUMNS
    "FROM temp.broadcast_users u JOIN bindings t ON t.bot = ?1 AND t.user = u.user "
    "WHERE t.status = 0 ORDER BY t.chat_id";

}  // namespace

Result<Broadcast> SqliteStore::CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) {
  if (broadcast.bot.empty()) return Status::InvalidArgument("broadcast has no bot");
  if (broadcast.spread_seconds < 0) return Status::InvalidArgument("spread_seconds must be >= 0");
  if (!broadcast.all && broadcast.users.empty()) {
    return Status::InvalidArgument("broadcast needs all=true or a list of users");
  }
  Broadcast out;
  out.bot = broadcast.bot;
  out.spread_seconds = broadcast.spread_seconds;
  out.paid = broadcast.paid;
  out.created_at = now_ms / 1000;
  Status s = Atomically([&]() -> Status {
    auto insert = Prepare(
        "INSERT INTO broadcasts (bot, text, options_json, spread_seconds, paid, status, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, broadcast.bot).Bind(2, broadcast.text).Bind(3, broadcast.options_json);
    insert->Bind(4, broadcast.spread_seconds).Bind(5, int64_t{broadcast.paid}).Bind(6, out.created_at);
    TGATE_RETURN_IF_ERROR(insert->Run());
    out.id = sqlite3_last_insert_rowid(db_);
    auto total = InsertBroadcastTargets(broadcast, out.id, now_ms, &out.skipped);
    if (!total.ok()) return total.status();
    out.total = out.pending = *total;
    auto update = Prepare("UPDATE broadcasts SET total = ?2, skipped = ?3 WHERE id = ?1");
    if (!update.ok()) return update.status();
    return update->Bind(1, out.id).Bind(2, out.total).Bind(3, out.skipped).Run();
  });
  if (!s.ok()) return s;
  out.status = out.total == 0 ? "done" : "running";
  return out;
}

// Inserts the broadcast's messages; returns how many, and sets *skipped to the
// distinct requested users that are not linked or are blocked.
Result<int64_t> SqliteStore::InsertBroadcastTargets(const NewBroadcast& broadcast, int64_t id,
                                                    int64_t now_ms, int64_t* skipped) {
  *skipped = 0;
  int64_t requested = 0;
  if (!broadcast.all) {
    auto clear = Prepare("DELETE FROM temp.broadcast_users");
    if (!clear.ok()) return clear.status();
    TGATE_RETURN_IF_ERROR(clear->Run());
    auto add = Prepare("INSERT OR IGNORE INTO temp.broadcast_users (user) VALUES (?1)");
    if (!add.ok()) return add.status();
    for (const std::string& user : broadcast.users) {
      TGATE_RETURN_IF_ERROR(add->Bind(1, user).Run());
      requested += add->Changes();  // duplicates count once
      add->Reset();
    }
  }
  auto count = Prepare(broadcast.all
                           ? "SELECT count(*) FROM bindings WHERE bot = ?1 AND status = 0"
                           : "SELECT count(*) FROM temp.broadcast_users u JOIN bindings t "
                             "ON t.bot = ?1 AND t.user = u.user WHERE t.status = 0");
  if (!count.ok()) return count.status();
  auto row = count->Bind(1, broadcast.bot).Step();
  if (!row.ok()) return row.status();
  const int64_t total = count->Int64(0);
  if (total > 0) {
    auto insert = Prepare(broadcast.all ? kInsertAllTargets : kInsertListedTargets);
    if (!insert.ok()) return insert.status();
    insert->Bind(1, broadcast.bot).Bind(2, id).Bind(3, int64_t{broadcast.paid}).Bind(4, now_ms);
    insert->Bind(5, broadcast.spread_seconds * 1000).Bind(6, total).Bind(7, now_ms / 1000);
    TGATE_RETURN_IF_ERROR(insert->Run());
  }
  if (!broadcast.all) {
    *skipped = requested - total;
    auto clear = Prepare("DELETE FROM temp.broadcast_users");
    if (!clear.ok()) return clear.status();
    TGATE_RETURN_IF_ERROR(clear->Run());
  }
  return total;
}

Result<Broadcast> SqliteStore::GetBroadcast(int64_t id) {
  Broadcast out;
  bool cancelled = false;
  {
    auto st = Prepare(
        "SELECT bot, total, skipped, spread_seconds, paid, status, created_at "
        "FROM broadcasts WHERE id = ?1");
    if (!st.ok()) return st.status();
    auto row = st->Bind(1, id).Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such broadcast");
    out.id = id;
    out.bot = st->Text(0);
    out.total = st->Int64(1);
    out.skipped = st->Int64(2);
    out.spread_seconds = st->Int64(3);
    out.paid = st->Int64(4) != 0;
    cancelled = st->Int64(5) == 1;
    out.created_at = st->Int64(6);
  }
  // Covered by the index messages_by_broadcast (broadcast_id, status).
  auto st = Prepare(
      "SELECT status, count(*) FROM messages WHERE broadcast_id = ?1 GROUP BY status");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    int64_t n = st->Int64(1);
    switch (MessageStatusOf(st->Int64(0))) {
      case MessageStatus::kQueued: out.pending = n; break;
      case MessageStatus::kSent: out.sent = n; break;
      case MessageStatus::kFailed: out.failed = n; break;
      case MessageStatus::kCancelled: out.cancelled = n; break;
    }
  }
  out.status = cancelled ? "cancelled" : out.pending == 0 ? "done" : "running";
  return out;
}

Result<Broadcast> SqliteStore::CancelBroadcast(int64_t id) {
  Result<Broadcast> out = Status::NotFound("no such broadcast");
  Status s = Atomically([&]() -> Status {
    const int64_t now = time(nullptr);
    auto exists = Prepare("SELECT 1 FROM broadcasts WHERE id = ?1");
    if (!exists.ok()) return exists.status();
    auto row = exists->Bind(1, id).Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no such broadcast");
    auto messages = Prepare(
        "UPDATE messages SET status = 3, updated_at = ?2 WHERE broadcast_id = ?1 AND status = 0");
    if (!messages.ok()) return messages.status();
    TGATE_RETURN_IF_ERROR(messages->Bind(1, id).Bind(2, now).Run());
    // A broadcast that had nothing left to send stays "done".
    if (messages->Changes() > 0) {
      auto mark = Prepare(
          "UPDATE broadcasts SET status = 1, cancelled_at = ?2 WHERE id = ?1 AND status = 0");
      if (!mark.ok()) return mark.status();
      TGATE_RETURN_IF_ERROR(mark->Bind(1, id).Bind(2, now).Run());
    }
    out = GetBroadcast(id);
    return out.status();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace tgate::store
