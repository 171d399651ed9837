// PgStore: broadcasts, as SqliteStore's (sqlite_store_broadcasts.cc): one
// row plus one queued message per target chat, made by INSERT ... SELECT so
// a million targets never pass through C++ memory; a broadcast to "all" is
// filled in chunks of the bot's bindings in chat id order (fill_after = the
// last chat id filled). A listed broadcast's users go to the server as one
// text[] parameter (SQLite uses a temp table). Filling locks the broadcast's
// row, so two instances never fill one broadcast at once.
#include <algorithm>
#include <climits>
#include <map>
#include <string>

#include "core/status_macros.h"
#include "pg/array_literal.h"
#include "store/idempotency_replay.h"
#include "store/pg_bulk_bindings.h"
#include "store/pg_store.h"
#include "store/skipped_users.h"
#include "store/sqlite_codes.h"
#include "store/store_validation.h"

namespace tgate::store {
namespace {

constexpr int64_t kBeforeAllChats = INT64_MIN;

}  // namespace

Awaitable<Result<Broadcast>> PgStore::CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) {
  TGATE_CO_RETURN_IF_ERROR(ValidateNewBroadcast(broadcast));
  Broadcast out;
  out.bot = broadcast.bot;
  out.spread_seconds = broadcast.spread_seconds;
  out.paid = broadcast.paid;
  out.created_at = now_ms / 1000;
  int64_t first_id = 0;  // the broadcast that already holds the idempotency key
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    // As Enqueue: the unique index (bot, idempotency_key) decides, and the
    // loser answers from the winner's row.
    pg::Params params;
    params.Add(broadcast.bot).Add(broadcast.text).Add(broadcast.options_json).Add(broadcast.spread_seconds);
    params.Add(int64_t{broadcast.paid}).Add(out.created_at);
    if (broadcast.idempotency_key.empty())
      params.AddNull();
    else
      params.Add(broadcast.idempotency_key);
    if (broadcast.idempotency_fingerprint.empty())
      params.AddNull();
    else
      params.Add(broadcast.idempotency_fingerprint);
    if (broadcast.expires_at_ms > 0)
      params.Add(broadcast.expires_at_ms);
    else
      params.AddNull();
    auto inserted = co_await tx.Exec(
        "INSERT INTO broadcasts (bot, text, options_json, spread_seconds, paid, status, created_at, "
        "idempotency_key, idempotency_fingerprint, expires_at_ms) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, "
        "$9) ON CONFLICT (bot, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
        std::move(params));
    if (!inserted.ok()) co_return inserted.status();
    if (inserted->empty()) {
      auto prior = co_await tx.Exec(
          "SELECT id, idempotency_fingerprint FROM broadcasts WHERE bot = $1 AND idempotency_key = $2",
          pg::Params().Add(broadcast.bot).Add(broadcast.idempotency_key));
      if (!prior.ok()) co_return prior.status();
      if (prior->empty()) co_return Status::Internal("idempotency key conflict without a prior broadcast");
      first_id = prior->Int64(0, 0);
      co_return CheckIdempotentReplay("broadcast", first_id, broadcast.idempotency_key, prior->Text(0, 1),
                                      broadcast.idempotency_fingerprint);
    }
    out.id = inserted->Int64(0, 0);
    if (broadcast.all) {
      auto count = co_await tx.CountBindings(broadcast.bot, UserStatus::kActive);
      if (!count.ok()) co_return count.status();
      out.total = out.pending = *count;
      auto update =
          co_await tx.Exec("UPDATE broadcasts SET total = $2, fill_after = $3, filled = 0 WHERE id = $1",
                           pg::Params().Add(out.id).Add(out.total).Add(kBeforeAllChats));
      if (!update.ok()) co_return update.status();
      auto made = co_await tx.FillChunk(out.id, kFirstChunk);
      if (!made.ok()) co_return made.status();
    } else {
      const std::string users = pg::TextArray(broadcast.users);
      // The bot's bindings of the requested users, active or not (the rest
      // were never linked): the active ones are the targets.
      auto linked =
          co_await tx.Exec(pg_bulk_bindings::kListedBindings, pg::Params().Add(broadcast.bot).Add(users));
      if (!linked.ok()) co_return linked.status();
      std::map<std::string, UserStatus> bindings;
      int64_t active = 0;
      for (int i = 0; i < linked->size(); ++i) {
        const UserStatus status = UserStatusOf(linked->Int64(i, 1));
        bindings[std::string(linked->Text(i, 0))] = status;
        if (status == UserStatus::kActive) ++active;
      }
      out.total = out.pending = active;
      out.skipped_users = SkippedUsersOf(broadcast.users, bindings);
      out.skipped = static_cast<int64_t>(out.skipped_users.size());
      if (out.total > 0) {
        auto insert =
            co_await tx.Exec(pg_bulk_bindings::kListedTargets, pg::Params()
                                                                   .Add(broadcast.bot)
                                                                   .Add(out.id)
                                                                   .Add(int64_t{broadcast.paid})
                                                                   .Add(now_ms)
                                                                   .Add(broadcast.spread_seconds * 1000)
                                                                   .Add(out.total)
                                                                   .Add(now_ms / 1000)
                                                                   .Add(int64_t{0})
                                                                   .Add(users));
        if (!insert.ok()) co_return insert.status();
      }
      pg::Params update_params;
      update_params.Add(out.id).Add(out.total).Add(out.skipped);
      if (out.skipped_users.empty())
        update_params.AddNull();
      else
        update_params.Add(SkippedUsersJson(out.skipped_users));
      auto update = co_await tx.Exec(
          "UPDATE broadcasts SET total = $2, skipped = $3, filled = $2, skipped_users = $4 WHERE id = $1",
          std::move(update_params));
      if (!update.ok()) co_return update.status();
    }
    if (out.total == 0) co_return Status::Ok();
    auto notify =
        co_await tx.Exec("SELECT pg_notify($1, $2)", pg::Params().Add(kQueueChannel).Add(broadcast.bot));
    co_return notify.status();
  });
  if (!s.ok()) co_return s;
  if (first_id != 0) co_return co_await GetBroadcast(first_id);
  out.status = out.total == 0 ? "done" : "running";
  co_return out;
}

Awaitable<Result<int64_t>> PgStore::FillChunk(int64_t id, size_t max_rows) {
  // The row's lock keeps another instance from filling the same chunk.
  auto row = co_await Exec(
      "SELECT bot, paid, spread_seconds, created_at, total, fill_after, filled FROM broadcasts "
      "WHERE id = $1 AND fill_after IS NOT NULL AND status = 0 FOR UPDATE",
      pg::Params().Add(id));
  if (!row.ok()) co_return row.status();
  if (row->empty()) co_return int64_t{0};  // complete, or cancelled
  const std::string bot(row->Text(0, 0));
  const int64_t paid = row->Int64(0, 1), spread_ms = row->Int64(0, 2) * 1000,
                created_ms = row->Int64(0, 3) * 1000;
  const int64_t total = std::max<int64_t>(1, row->Int64(0, 4)), after = row->Int64(0, 5),
                filled = row->Int64(0, 6);

  // The last chat of this chunk, or none if the rest fits.
  auto edge = co_await Exec(
      "SELECT chat_id FROM bindings WHERE bot = $1 AND status = 0 AND chat_id > $2 ORDER BY chat_id LIMIT 1 "
      "OFFSET $3",
      pg::Params().Add(bot).Add(after).Add(static_cast<int64_t>(max_rows) - 1));
  if (!edge.ok()) co_return edge.status();
  const bool last = edge->empty();
  const int64_t upto = last ? INT64_MAX : edge->Int64(0, 0);

  auto insert = co_await Exec(pg_bulk_bindings::kAllTargets, pg::Params()
                                                                 .Add(bot)
                                                                 .Add(id)
                                                                 .Add(paid)
                                                                 .Add(created_ms)
                                                                 .Add(spread_ms)
                                                                 .Add(total)
                                                                 .Add(NowSeconds())
                                                                 .Add(filled)
                                                                 .Add(after)
                                                                 .Add(upto));
  if (!insert.ok()) co_return insert.status();
  const int64_t now_filled = filled + insert->affected();
  // When complete, the total becomes what was really sent to (bindings may
  // have changed since the count).
  pg::Params params;
  params.Add(id).Add(now_filled);
  if (!last) params.Add(upto);
  auto update =
      co_await Exec(last ? "UPDATE broadcasts SET fill_after = NULL, filled = $2, total = $2 WHERE id = $1"
                         : "UPDATE broadcasts SET fill_after = $3, filled = $2 WHERE id = $1",
                    std::move(params));
  if (!update.ok()) co_return update.status();
  co_return now_filled - filled;
}

Awaitable<Result<int64_t>> PgStore::FillBroadcasts(std::string_view bot, size_t max_rows) {
  int64_t made = 0;
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    // As SqliteStore::FillBroadcasts: the one with the fewest materialized
    // messages still to send goes first; ties go to the oldest.
    auto candidate = co_await tx.Exec(
        "SELECT id FROM broadcasts WHERE bot = $1 AND fill_after IS NOT NULL AND status = 0 "
        "AND filled - n_sent - n_failed - n_cancelled < $2 "
        "ORDER BY filled - n_sent - n_failed - n_cancelled, id LIMIT 1",
        pg::Params().Add(bot).Add(static_cast<int64_t>(max_rows)));
    if (!candidate.ok()) co_return candidate.status();
    if (candidate->empty()) co_return Status::Ok();
    auto rows = co_await tx.FillChunk(candidate->Int64(0, 0), max_rows);
    if (!rows.ok()) co_return rows.status();
    made = *rows;
    if (made == 0) co_return Status::Ok();
    auto notify = co_await tx.Exec("SELECT pg_notify($1, $2)", pg::Params().Add(kQueueChannel).Add(bot));
    co_return notify.status();
  });
  if (!s.ok()) co_return s;
  co_return made;
}

Awaitable<Result<int64_t>> PgStore::PendingMessages(std::string_view bot) {
  // As GetBroadcast counts a broadcast's pending, summed over the running
  // ones; one-to-one messages (priority 0) counted on the queue index.
  auto rows = co_await Exec(
      "SELECT (SELECT count(*) FROM messages WHERE bot = $1 AND priority = 0 AND status = 0) + "
      "(SELECT coalesce(sum(greatest(0, filled - n_sent - n_failed - n_cancelled) + "
      "CASE WHEN fill_after IS NOT NULL THEN greatest(0, total - filled) ELSE 0 END), 0)::bigint "
      "FROM broadcasts WHERE bot = $1 AND status = 0)",
      pg::Params().Add(bot));
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

Awaitable<Result<std::vector<int64_t>>> PgStore::ActiveBroadcasts(std::string_view bot) {
  auto rows = co_await Exec(
      "SELECT id FROM broadcasts WHERE bot = $1 AND status = 0 AND filled > n_sent + n_failed + n_cancelled "
      "ORDER BY id",
      pg::Params().Add(bot));
  if (!rows.ok()) co_return rows.status();
  std::vector<int64_t> ids;
  ids.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) ids.push_back(rows->Int64(i, 0));
  co_return ids;
}

Awaitable<Result<Broadcast>> PgStore::GetBroadcast(int64_t id) {
  auto rows = co_await Exec(
      "SELECT bot, total, skipped, spread_seconds, paid, status, created_at, filled, fill_after IS NOT NULL, "
      "n_sent, n_failed, n_cancelled, skipped_users FROM broadcasts WHERE id = $1",
      pg::Params().Add(id));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("no such broadcast");
  Broadcast out;
  out.id = id;
  out.bot = std::string(rows->Text(0, 0));
  out.total = rows->Int64(0, 1);
  out.skipped = rows->Int64(0, 2);
  out.spread_seconds = rows->Int64(0, 3);
  out.paid = rows->Int64(0, 4) != 0;
  const bool cancelled = rows->Int64(0, 5) == 1;
  out.created_at = rows->Int64(0, 6);
  const int64_t filled = rows->Int64(0, 7);
  const bool filling = rows->Bool(0, 8);
  out.sent = rows->Int64(0, 9);
  out.failed = rows->Int64(0, 10);
  out.cancelled = rows->Int64(0, 11);
  if (!rows->IsNull(0, 12)) out.skipped_users = ParseSkippedUsers(std::string(rows->Text(0, 12)));
  out.pending = std::max<int64_t>(0, filled - out.sent - out.failed - out.cancelled);
  // Targets not materialized yet are pending; once cancelled they never will be.
  const int64_t unfilled = std::max<int64_t>(0, out.total - filled);
  if (cancelled)
    out.cancelled += unfilled;
  else if (filling)
    out.pending += unfilled;
  out.status = cancelled ? "cancelled" : out.pending == 0 ? "done" : "running";
  co_return out;
}

Awaitable<Result<Broadcast>> PgStore::CancelBroadcast(int64_t id) {
  Result<Broadcast> out = Status::NotFound("no such broadcast");
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    const int64_t now = NowSeconds();
    // Locked: a fill or another cancel waits for this one.
    auto row = co_await tx.Exec("SELECT bot, fill_after IS NOT NULL FROM broadcasts WHERE id = $1 FOR UPDATE",
                                pg::Params().Add(id));
    if (!row.ok()) co_return row.status();
    if (row->empty()) co_return Status::NotFound("no such broadcast");
    const std::string bot(row->Text(0, 0));
    const bool still_filling = row->Bool(0, 1);
    auto messages = co_await tx.Exec(
        "UPDATE messages SET status = 3, updated_at = $2 WHERE bot = $3 AND priority = 1 AND status = 0 "
        "AND broadcast_id = $1",
        pg::Params().Add(id).Add(now).Add(bot));
    if (!messages.ok()) co_return messages.status();
    const int64_t cancelled = messages->affected();
    if (cancelled > 0) {
      auto counts = co_await tx.Exec("UPDATE broadcasts SET n_cancelled = n_cancelled + $2 WHERE id = $1",
                                     pg::Params().Add(id).Add(cancelled));
      if (!counts.ok()) co_return counts.status();
    }
    // A broadcast that had nothing left to send stays "done".
    if (cancelled > 0 || still_filling) {
      auto mark = co_await tx.Exec(
          "UPDATE broadcasts SET status = 1, cancelled_at = $2, fill_after = NULL WHERE id = $1 AND status = "
          "0",
          pg::Params().Add(id).Add(now));
      if (!mark.ok()) co_return mark.status();
    }
    // The bot's owner (maybe another instance) drops what it holds of it.
    auto notify = co_await tx.Exec("SELECT pg_notify($1, $2)",
                                   pg::Params().Add(kCancelChannel).Add(std::to_string(id)));
    if (!notify.ok()) co_return notify.status();
    out = co_await tx.GetBroadcast(id);
    co_return out.status();
  });
  if (!s.ok()) co_return s;
  co_return out;
}

}  // namespace tgate::store
