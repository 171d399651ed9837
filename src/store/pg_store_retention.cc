// PgStore: retention, as SqliteStore's (sqlite_store_retention.cc): bounded
// deletes of what is finished and older than a cutoff, each call one short
// transaction that walks a table in key order from where the last one
// stopped (the position is this instance's; another instance's pass, or a
// restart, only makes a pass look again).
#include <string>
#include <string_view>

#include "core/status_macros.h"
#include "store/pg_store.h"

namespace tgate::store {

// walk_sql: the next $2 rows with a key above $1, by key, as (key,
// created_at). delete_sql: deletes what may go of the rows with keys in
// ($1, $2], older than $3. *after: where the pass stands.
Awaitable<Result<PruneResult>> PgStore::PruneInKeyOrder(std::string_view walk_sql,
                                                        std::string_view delete_sql, int64_t* after,
                                                        int64_t before, size_t max_rows) {
  PruneResult out;
  int64_t upto = *after;
  const int64_t start = *after;
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    auto walk = co_await tx.Exec(walk_sql, pg::Params().Add(start).Add(static_cast<int64_t>(max_rows)));
    if (!walk.ok()) co_return walk.status();
    bool reached_cutoff = false;
    for (int i = 0; i < walk->size(); ++i) {
      if (walk->Int64(i, 1) >= before) {
        reached_cutoff = true;
        break;
      }
      upto = walk->Int64(i, 0);
    }
    out.done = reached_cutoff || static_cast<size_t>(walk->size()) < max_rows;
    if (upto == start) co_return Status::Ok();
    auto del = co_await tx.Exec(delete_sql, pg::Params().Add(start).Add(upto).Add(before));
    if (!del.ok()) co_return del.status();
    out.deleted = del->affected();
    co_return Status::Ok();
  });
  if (!s.ok()) co_return s;
  *after = out.done ? 0 : upto;
  co_return out;
}

Awaitable<Result<PruneResult>> PgStore::PruneMessages(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneMessages needs max_rows >= 1");
  co_return co_await PruneInKeyOrder(
      "SELECT id, created_at FROM messages WHERE id > $1 ORDER BY id LIMIT $2",
      "DELETE FROM messages WHERE id > $1 AND id <= $2 AND status <> 0 AND updated_at < $3",
      &shared_->prune_messages_after, before, max_rows);
}

Awaitable<Result<PruneResult>> PgStore::PruneUpdates(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneUpdates needs max_rows >= 1");
  PruneResult out;
  out.done = true;
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    size_t budget = max_rows;
    std::string bot;
    bool first = true;
    for (;;) {
      // The next bot with updates, in name order.
      pg::Params params;
      if (!first) params.Add(bot);
      auto next = co_await tx.Exec(first ? "SELECT bot FROM updates ORDER BY bot LIMIT 1"
                                         : "SELECT bot FROM updates WHERE bot > $1 ORDER BY bot LIMIT 1",
                                   std::move(params));
      if (!next.ok()) co_return next.status();
      if (next->empty()) co_return Status::Ok();
      bot = std::string(next->Text(0, 0));
      first = false;
      if (budget == 0) {  // a bot left unlooked at
        out.done = false;
        co_return Status::Ok();
      }
      // The bot's oldest updates, by key; the walk ends at the first one
      // still pending or received at or after the cutoff.
      auto walk = co_await tx.Exec(
          "SELECT update_id, processed, received_at FROM updates WHERE bot = $1 ORDER BY update_id LIMIT $2",
          pg::Params().Add(bot).Add(static_cast<int64_t>(budget)));
      if (!walk.ok()) co_return walk.status();
      size_t seen = 0;
      bool stopped = false, any = false;
      int64_t upto = 0;
      for (int i = 0; i < walk->size(); ++i) {
        ++seen;
        if (walk->Int64(i, 1) == 0 || walk->Int64(i, 2) >= before) {
          stopped = true;
          break;
        }
        upto = walk->Int64(i, 0);
        any = true;
      }
      budget -= seen;
      if (!stopped && budget == 0) out.done = false;  // the bot may have more
      if (any) {
        // Each bot's newest update stays: MaxUpdateId must not go back.
        auto del = co_await tx.Exec(
            "DELETE FROM updates WHERE bot = $1 AND update_id <= $2 AND processed <> 0 AND "
            "update_id < (SELECT max(update_id) FROM updates WHERE bot = $1)",
            pg::Params().Add(bot).Add(upto));
        if (!del.ok()) co_return del.status();
        out.deleted += del->affected();
      }
      if (!out.done) co_return Status::Ok();
    }
  });
  if (!s.ok()) co_return s;
  co_return out;
}

Awaitable<Result<PruneResult>> PgStore::PruneBroadcasts(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneBroadcasts needs max_rows >= 1");
  // As SqliteStore::PruneBroadcasts: finished (nothing left to materialize)
  // with no message left, and a cancel since the cutoff keeps it.
  co_return co_await PruneInKeyOrder(
      "SELECT id, created_at FROM broadcasts WHERE id > $1 ORDER BY id LIMIT $2",
      "DELETE FROM broadcasts WHERE id > $1 AND id <= $2 AND fill_after IS NULL "
      "AND (cancelled_at IS NULL OR cancelled_at < $3) "
      "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.broadcast_id = broadcasts.id)",
      &shared_->prune_broadcasts_after, before, max_rows);
}

Awaitable<Result<PruneResult>> PgStore::PruneEvents(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneEvents needs max_rows >= 1");
  co_return co_await PruneInKeyOrder("SELECT id, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                                     "DELETE FROM events WHERE id > $1 AND id <= $2 AND created_at < $3",
                                     &shared_->prune_events_after, before, max_rows);
}

}  // namespace tgate::store
