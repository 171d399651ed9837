// SqliteStore: broadcasts. A broadcast is one row plus one queued message per
// target chat, created by INSERT ... SELECT so a million targets never pass
// through C++ memory. A broadcast to "all" is filled in chunks of the bot's
// bindings in chat id order (fill_after = the last chat id filled), so no
// single transaction holds the database for seconds. Progress counts are
// derived from the messages plus the targets not filled yet.
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <string>

#include "core/status_macros.h"
#include "store/idempotency_replay.h"
#include "store/skipped_users.h"
#include "store/sqlite_codes.h"
#include "store/sqlite_store.h"
#include "store/store_validation.h"

namespace tgate::store {
namespace {

// Broadcast messages keep text/options_json NULL: they read the broadcast's.
#define TGATE_INSERT_BROADCAST_MESSAGES(not_before)                                  \
  "INSERT INTO messages (bot, user, chat_id, priority, broadcast_id, paid, status, " \
  "not_before_ms, created_at, updated_at) "                                          \
  "SELECT ?1, t.user, t.chat_id, 1, ?2, ?3, 0, " not_before ", ?7, ?7 "
// A spread places the targets (ordered by chat id) evenly over the window:
// the k-th (0-based) of ?6 waits ?4 + k * ?5 / ?6 (?5 the window in ms). ?8
// counts the targets filled before this statement, so chunks continue the
// spread. Without a spread every target is due at ?4, and the statement has
// no row_number(): SQLite buffers the rows of a window, a third of the
// instructions of making each message (callgrind, 3,000 rows: 17,000 -> 11,800).
#define TGATE_SPREAD_NOT_BEFORE "?4 + (?8 + row_number() OVER (ORDER BY t.chat_id) - 1) * ?5 / ?6"

// One chunk of "all": chat ids in (?9, ?10]. [0] without a spread, [1] with.
#define TGATE_ALL_TARGETS                                                                               \
  "FROM bindings t WHERE t.bot = ?1 AND t.status = 0 AND t.chat_id > ?9 AND t.chat_id <= ?10 ORDER BY " \
  "t.chat_id"
constexpr const char* kInsertAllTargets[] = {TGATE_INSERT_BROADCAST_MESSAGES("?4") TGATE_ALL_TARGETS,
                                             TGATE_INSERT_BROADCAST_MESSAGES(TGATE_SPREAD_NOT_BEFORE)
                                                 TGATE_ALL_TARGETS};

constexpr int64_t kBeforeAllChats = INT64_MIN;
#define TGATE_LISTED_TARGETS                                                       \
  "FROM temp.broadcast_users u JOIN bindings t ON t.bot = ?1 AND t.user = u.user " \
  "WHERE t.status = 0 ORDER BY t.chat_id"
constexpr const char* kInsertListedTargets[] = {TGATE_INSERT_BROADCAST_MESSAGES("?4") TGATE_LISTED_TARGETS,
                                                TGATE_INSERT_BROADCAST_MESSAGES(TGATE_SPREAD_NOT_BEFORE)
                                                    TGATE_LISTED_TARGETS};

}  // namespace

Awaitable<Result<Broadcast>> SqliteStore::CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) {
  TGATE_CO_RETURN_IF_ERROR(ValidateNewBroadcast(broadcast));
  Broadcast out;
  out.bot = broadcast.bot;
  out.spread_seconds = broadcast.spread_seconds;
  out.paid = broadcast.paid;
  out.created_at = now_ms / 1000;
  int64_t first_id = 0;  // the broadcast that already holds the idempotency key
  Status s = Atomically([&]() -> Status {
    // As Enqueue: the unique index (bot, idempotency_key) decides, and the
    // loser answers from the winner's row.
    TGATE_ASSIGN_OR_RETURN(
        auto insert,
        Prepare("INSERT INTO broadcasts (bot, text, options_json, spread_seconds, paid, status, created_at, "
                "idempotency_key, idempotency_fingerprint, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, "
                "?7, ?8, "
                "?9) "
                "ON CONFLICT (bot, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
                "RETURNING id"));
    insert.Bind(1, broadcast.bot).Bind(2, broadcast.text).Bind(3, broadcast.options_json);
    insert.Bind(4, broadcast.spread_seconds).Bind(5, int64_t{broadcast.paid}).Bind(6, out.created_at);
    insert.BindOptional(7, broadcast.idempotency_key).BindOptional(8, broadcast.idempotency_fingerprint);
    if (broadcast.expires_at_ms > 0)
      insert.Bind(9, broadcast.expires_at_ms);
    else
      insert.BindNull(9);
    TGATE_ASSIGN_OR_RETURN(auto inserted, insert.Step());
    if (!inserted) {
      TGATE_ASSIGN_OR_RETURN(
          auto prior,
          Prepare(
              "SELECT id, idempotency_fingerprint FROM broadcasts WHERE bot = ?1 AND idempotency_key = ?2"));
      TGATE_ASSIGN_OR_RETURN(auto row,
                             prior.Bind(1, broadcast.bot).Bind(2, broadcast.idempotency_key).Step());
      if (!row) return Status::Internal("idempotency key conflict without a prior broadcast");
      first_id = prior.Int64(0);
      return CheckIdempotentReplay("broadcast", first_id, broadcast.idempotency_key, prior.Text(1),
                                   broadcast.idempotency_fingerprint);
    }
    out.id = insert.Int64(0);
    TGATE_RETURN_IF_ERROR(insert.Run());  // completes the statement
    if (broadcast.all) {
      TGATE_ASSIGN_OR_RETURN(auto count, ReadBindingCount(broadcast.bot, UserStatus::kActive));
      out.total = out.pending = count;
      TGATE_ASSIGN_OR_RETURN(
          auto update,
          Prepare("UPDATE broadcasts SET total = ?2, fill_after = ?3, filled = 0 WHERE id = ?1"));
      TGATE_RETURN_IF_ERROR(update.Bind(1, out.id).Bind(2, out.total).Bind(3, kBeforeAllChats).Run());
      return FillChunk(out.id, kFirstChunk).status();
    }
    TGATE_ASSIGN_OR_RETURN(auto total, InsertBroadcastTargets(broadcast, out.id, now_ms, &out.skipped_users));
    out.total = out.pending = total;
    out.skipped = static_cast<int64_t>(out.skipped_users.size());
    TGATE_ASSIGN_OR_RETURN(
        auto update, Prepare("UPDATE broadcasts SET total = ?2, skipped = ?3, filled = ?2 WHERE id = ?1"));
    TGATE_RETURN_IF_ERROR(update.Bind(1, out.id).Bind(2, out.total).Bind(3, out.skipped).Run());
    if (out.skipped_users.empty()) return Status::Ok();
    // Apart from the broadcast's row, which every outcome batch updates (schema v13).
    TGATE_ASSIGN_OR_RETURN(
        auto skipped, Prepare("INSERT INTO broadcast_skipped_users (broadcast_id, users) VALUES (?1, ?2)"));
    return skipped.Bind(1, out.id).Bind(2, SkippedUsersJson(out.skipped_users)).Run();
  });
  if (!s.ok()) co_return s;
  if (first_id != 0) co_return ReadBroadcast(first_id);
  out.status = out.total == 0 ? "done" : "running";
  co_return out;
}

Result<int64_t> SqliteStore::FillChunk(int64_t id, size_t max_rows) {
  TGATE_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT bot, paid, spread_seconds, created_at, total, fill_after, filled FROM broadcasts "
              "WHERE id = ?1 AND fill_after IS NOT NULL AND status = 0"));
  TGATE_ASSIGN_OR_RETURN(auto row, st.Bind(1, id).Step());
  if (!row) return 0;  // complete, or cancelled
  const std::string bot = st.Text(0);
  const int64_t paid = st.Int64(1), spread_ms = st.Int64(2) * 1000, created_ms = st.Int64(3) * 1000;
  const int64_t total = std::max<int64_t>(1, st.Int64(4)), after = st.Int64(5), filled = st.Int64(6);
  st.Reset();

  // The last chat of this chunk, or none if the rest fits.
  TGATE_ASSIGN_OR_RETURN(
      auto edge, Prepare("SELECT chat_id FROM bindings WHERE bot = ?1 AND status = 0 AND chat_id > ?2 "
                         "ORDER BY chat_id LIMIT 1 OFFSET ?3"));
  TGATE_ASSIGN_OR_RETURN(auto edge_row,
                         edge.Bind(1, bot).Bind(2, after).Bind(3, static_cast<int64_t>(max_rows) - 1).Step());
  const bool last = !edge_row;
  const int64_t upto = last ? INT64_MAX : edge.Int64(0);
  edge.Reset();

  const bool spread = spread_ms > 0;
  TGATE_ASSIGN_OR_RETURN(auto insert, Prepare(kInsertAllTargets[spread]));
  insert.Bind(1, bot).Bind(2, id).Bind(3, paid).Bind(4, created_ms).Bind(7, NowSeconds());
  insert.Bind(9, after).Bind(10, upto);
  if (spread) insert.Bind(5, spread_ms).Bind(6, total).Bind(8, filled);
  TGATE_RETURN_IF_ERROR(insert.Run());
  const int64_t now_filled = filled + insert.Changes();
  insert.Reset();
  // When complete, the total becomes what was really sent to (bindings may
  // have changed since the count).
  TGATE_ASSIGN_OR_RETURN(
      auto update,
      Prepare(last ? "UPDATE broadcasts SET fill_after = NULL, filled = ?2, total = ?2 WHERE id = ?1"
                   : "UPDATE broadcasts SET fill_after = ?3, filled = ?2 WHERE id = ?1"));
  update.Bind(1, id).Bind(2, now_filled);
  if (!last) update.Bind(3, upto);
  TGATE_RETURN_IF_ERROR(update.Run());
  return now_filled - filled;
}

Awaitable<Result<int64_t>> SqliteStore::FillBroadcasts(std::string_view bot, size_t max_rows) {
  int64_t made = 0;
  Status s = Atomically([&]() -> Status {
    // The one with the fewest materialized messages still to send goes
    // first: a broadcast spread over hours keeps many waiting for their time,
    // so a newer fast one is filled as it drains instead of after the old
    // one is complete. Ties go to the oldest. One with a chunk's worth still
    // to send waits: a campaign is materialized as it drains, not at once.
    TGATE_ASSIGN_OR_RETURN(
        auto st, Prepare("SELECT id FROM broadcasts WHERE bot = ?1 AND fill_after IS NOT NULL AND status = 0 "
                         "AND filled - n_sent - n_failed - n_cancelled < ?2 "
                         "ORDER BY filled - n_sent - n_failed - n_cancelled, id LIMIT 1"));
    TGATE_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, static_cast<int64_t>(max_rows)).Step());
    if (!row) return Status::Ok();
    const int64_t id = st.Int64(0);
    st.Reset();
    TGATE_ASSIGN_OR_RETURN(auto rows, FillChunk(id, max_rows));
    made = rows;
    return Status::Ok();
  });
  if (!s.ok()) co_return s;
  co_return made;
}

Awaitable<Result<int64_t>> SqliteStore::PendingMessages(std::string_view bot) {
  // As GetBroadcast counts a broadcast's pending, summed over the running
  // ones; one-to-one messages (priority 0) counted on the queue's index.
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare("SELECT (SELECT count(*) FROM messages INDEXED BY messages_queued_direct "
                       "        WHERE bot = ?1 AND priority = 0 AND broadcast_id IS NULL AND status = 0) + "
                       "       (SELECT coalesce(sum(max(0, filled - n_sent - n_failed - n_cancelled) + "
                       "                            CASE WHEN fill_after IS NOT NULL THEN max(0, total - "
                       "filled) ELSE 0 END), "
                       "0) "
                       "        FROM broadcasts WHERE bot = ?1 AND status = 0)"));
  auto row = st.Bind(1, bot).Step();
  if (!row.ok()) co_return row.status();
  const int64_t pending = st.Int64(0);
  st.Reset();
  co_return pending;
}

Awaitable<Result<std::vector<int64_t>>> SqliteStore::ActiveBroadcasts(std::string_view bot) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("SELECT id FROM broadcasts WHERE bot = ?1 AND status = 0 AND "
                                             "filled > n_sent + n_failed + n_cancelled "
                                             "ORDER BY id"));
  st.Bind(1, bot);
  auto ids = st.Int64Column();
  st.Reset();
  co_return ids;
}

// Inserts the messages of a broadcast to a list of users; returns how many,
// and sets *skipped to the requested users not linked or blocked, and why.
Result<int64_t> SqliteStore::InsertBroadcastTargets(const NewBroadcast& broadcast, int64_t id, int64_t now_ms,
                                                    std::vector<SkippedUser>* skipped) {
  TGATE_ASSIGN_OR_RETURN(auto clear, Prepare("DELETE FROM temp.broadcast_users"));
  TGATE_RETURN_IF_ERROR(clear.Run());
  clear.Reset();
  TGATE_ASSIGN_OR_RETURN(auto add, Prepare("INSERT OR IGNORE INTO temp.broadcast_users (user) VALUES (?1)"));
  for (const std::string& user : broadcast.users) {
    TGATE_RETURN_IF_ERROR(add.Bind(1, user).Run());  // duplicates once
    add.Reset();
  }
  // The bot's bindings of the requested users, active or not: the rest were never linked.
  std::map<std::string, UserStatus> bindings;
  TGATE_ASSIGN_OR_RETURN(
      auto linked,
      Prepare("SELECT u.user, t.status FROM temp.broadcast_users u JOIN bindings t ON t.bot = ?1 "
              "AND t.user = u.user"));
  linked.Bind(1, broadcast.bot);
  while (true) {
    TGATE_ASSIGN_OR_RETURN(auto more, linked.Step());
    if (!more) break;
    bindings[linked.Text(0)] = UserStatusOf(linked.Int64(1));
  }
  linked.Reset();
  TGATE_ASSIGN_OR_RETURN(
      auto count,
      Prepare("SELECT count(*) FROM temp.broadcast_users u JOIN bindings t ON t.bot = ?1 AND t.user = u.user "
              "WHERE t.status = 0"));
  auto row = count.Bind(1, broadcast.bot).Step();
  if (!row.ok()) return row.status();
  const int64_t total = count.Int64(0);
  count.Reset();
  if (total > 0) {
    const bool spread = broadcast.spread_seconds > 0;
    TGATE_ASSIGN_OR_RETURN(auto insert, Prepare(kInsertListedTargets[spread]));
    insert.Bind(1, broadcast.bot).Bind(2, id).Bind(3, int64_t{broadcast.paid}).Bind(4, now_ms);
    insert.Bind(7, now_ms / 1000);
    if (spread) insert.Bind(5, broadcast.spread_seconds * 1000).Bind(6, total).Bind(8, int64_t{0});
    TGATE_RETURN_IF_ERROR(insert.Run());
  }
  *skipped = SkippedUsersOf(broadcast.users, bindings);
  TGATE_RETURN_IF_ERROR(clear.Run());
  return total;
}

Awaitable<Result<Broadcast>> SqliteStore::GetBroadcast(int64_t id) { co_return ReadBroadcast(id); }

Result<Broadcast> SqliteStore::ReadBroadcast(int64_t id) {
  Broadcast out;
  bool cancelled = false, filling = false;
  int64_t filled = 0;
  TGATE_ASSIGN_OR_RETURN(auto st,
                         Prepare("SELECT bot, total, skipped, spread_seconds, paid, status, "
                                 "created_at, filled, fill_after IS NOT NULL, "
                                 "n_sent, n_failed, n_cancelled, "
                                 "(SELECT users FROM broadcast_skipped_users WHERE broadcast_id = ?1) "
                                 "FROM broadcasts WHERE id = ?1"));
  TGATE_ASSIGN_OR_RETURN(auto row, st.Bind(1, id).Step());
  if (!row) return Status::NotFound("no such broadcast");
  out.id = id;
  out.bot = st.Text(0);
  out.total = st.Int64(1);
  out.skipped = st.Int64(2);
  out.spread_seconds = st.Int64(3);
  out.paid = st.Int64(4) != 0;
  cancelled = st.Int64(5) == 1;
  out.created_at = st.Int64(6);
  filled = st.Int64(7);
  filling = st.Int64(8) != 0;
  // Moved with every status change (AddToBroadcastCounts).
  out.sent = st.Int64(9);
  out.failed = st.Int64(10);
  out.cancelled = st.Int64(11);
  out.skipped_users = ParseSkippedUsers(st.Text(12));
  out.pending = std::max<int64_t>(0, filled - out.sent - out.failed - out.cancelled);
  // Targets not materialized yet are pending; once cancelled they never will be.
  int64_t unfilled = std::max<int64_t>(0, out.total - filled);
  if (cancelled)
    out.cancelled += unfilled;
  else if (filling)
    out.pending += unfilled;
  out.status = cancelled ? "cancelled" : out.pending == 0 ? "done" : "running";
  return out;
}

Status SqliteStore::AddToBroadcastCounts(int64_t id, const BroadcastCounts& delta) {
  if (delta.sent == 0 && delta.failed == 0 && delta.cancelled == 0) return Status::Ok();
  TGATE_ASSIGN_OR_RETURN(auto st, Prepare("UPDATE broadcasts SET n_sent = n_sent + ?2, n_failed = n_failed + "
                                          "?3, n_cancelled = n_cancelled + ?4 "
                                          "WHERE id = ?1"));
  TGATE_RETURN_IF_ERROR(
      st.Bind(1, id).Bind(2, delta.sent).Bind(3, delta.failed).Bind(4, delta.cancelled).Run());
  // A status moved back (a cancelled message delivered after all) counts too:
  // it is only a hint of how far queued_from may lag.
  auto counted = outcomes_since_queued_from_.find(id);
  if (counted == outcomes_since_queued_from_.end()) {
    // A broadcast that ended leaves its count behind: bounded here rather
    // than cleaned up (few run at once; a count forgotten only delays a move).
    if (outcomes_since_queued_from_.size() >= kMaxCountedBroadcasts) outcomes_since_queued_from_.clear();
    counted = outcomes_since_queued_from_.emplace(id, 0).first;
  }
  counted->second += std::abs(delta.sent) + std::abs(delta.failed) + std::abs(delta.cancelled);
  if (counted->second < kQueuedFromStride) return Status::Ok();
  outcomes_since_queued_from_.erase(counted);
  return MoveQueuedFrom(id);
}

// To the first message of the broadcast still queued, else past its last one
// (messages made later get larger ids). The walk starts where the last one
// stopped, so each message with an outcome is passed once, and one held back
// (a retry, a chat waiting out a 429) stops it at once.
// The ids after queued_from are mostly the broadcast's own (a chunk of its
// messages is made in one transaction, under consecutive ids), so the walk
// reads the table itself over the next kQueuedFromWindow ids first: a row
// read where it lies, beside the last one. Through messages_by_broadcast each
// passed message cost a descent of the table's tree to read its status
// (about 1,100 instructions a message delivered, callgrind). Only when that
// window holds none of its messages still queued does the index walk go on,
// from the window's end.
Status SqliteStore::MoveQueuedFrom(int64_t id) {
  TGATE_ASSIGN_OR_RETURN(
      auto st,
      Prepare("UPDATE broadcasts SET queued_from = coalesce("
              "(SELECT m.id FROM messages m NOT INDEXED WHERE m.id >= broadcasts.queued_from "
              " AND m.id < broadcasts.queued_from + ?2 AND m.broadcast_id = ?1 AND m.status = 0 "
              " ORDER BY m.id LIMIT 1), "
              "(SELECT m.id FROM messages m INDEXED BY messages_by_broadcast WHERE m.broadcast_id = ?1 "
              " AND m.id >= broadcasts.queued_from + ?2 AND m.status = 0 ORDER BY m.id LIMIT 1), "
              "(SELECT max(m.id) + 1 FROM messages m INDEXED BY messages_by_broadcast WHERE m.broadcast_id = "
              "?1), "
              "queued_from) "
              "WHERE id = ?1"));
  return st.Bind(1, id).Bind(2, kQueuedFromWindow).Run();
}

Awaitable<Result<Broadcast>> SqliteStore::CancelBroadcast(int64_t id) {
  Result<Broadcast> out = Status::NotFound("no such broadcast");
  Status s = Atomically([&]() -> Status {
    const int64_t now = NowSeconds();
    TGATE_ASSIGN_OR_RETURN(auto exists, Prepare("SELECT bot FROM broadcasts WHERE id = ?1"));
    TGATE_ASSIGN_OR_RETURN(auto row, exists.Bind(1, id).Step());
    if (!row) return Status::NotFound("no such broadcast");
    const std::string bot = exists.Text(0);
    exists.Reset();
    // From queued_from on: only the rows not sent yet are read (chunked
    // filling keeps them few), not every message the broadcast ever sent.
    TGATE_ASSIGN_OR_RETURN(
        auto messages,
        Prepare("UPDATE messages INDEXED BY messages_by_broadcast SET status = 3, updated_at = ?2 "
                "WHERE bot = ?3 AND priority = 1 AND status = 0 AND broadcast_id = ?1 "
                "AND id >= (SELECT queued_from FROM broadcasts WHERE id = ?1)"));
    TGATE_RETURN_IF_ERROR(messages.Bind(1, id).Bind(2, now).Bind(3, bot).Run());
    BroadcastCounts delta;
    delta.cancelled = messages.Changes();
    TGATE_RETURN_IF_ERROR(AddToBroadcastCounts(id, delta));
    // A broadcast that had nothing left to send stays "done".
    TGATE_ASSIGN_OR_RETURN(auto unfilled,
                           Prepare("SELECT 1 FROM broadcasts WHERE id = ?1 AND fill_after IS NOT NULL"));
    TGATE_ASSIGN_OR_RETURN(auto has_unfilled, unfilled.Bind(1, id).Step());
    bool still_filling = has_unfilled;
    unfilled.Reset();
    if (delta.cancelled > 0 || still_filling) {
      TGATE_ASSIGN_OR_RETURN(auto mark, Prepare("UPDATE broadcasts SET status = 1, cancelled_at = ?2, "
                                                "fill_after = NULL WHERE id = ?1 AND status = "
                                                "0"));
      TGATE_RETURN_IF_ERROR(mark.Bind(1, id).Bind(2, now).Run());
    }
    out = ReadBroadcast(id);
    return out.status();
  });
  if (!s.ok()) co_return s;
  co_return out;
}

}  // namespace tgate::store
