// SqliteStore: retention. Deletes finished messages, processed updates,
// finished broadcasts and undelivered events older than a cutoff, a bounded
// batch per call, so pruning never holds the write lock (or the io thread the
// store runs on) for long.
// No table has an index on time, and none is added: every outcome the
// dispatcher writes would have to update it. Each is walked in key order
// instead, where time grows with the key (messages, broadcasts and events
// have AUTOINCREMENT ids and are stamped at insert; a bot's update_ids grow as
// Telegram sends them), and a walk stops at the first row not older than the
// cutoff. If the clock went back, rows past that one wait for it to age: a
// walk never deletes anything it did not see to be old.
#include <string>
#include <string_view>

#include "core/status_macros.h"
#include "store/sqlite_store.h"

namespace tgate::store {

// walk_sql: the next ?2 rows with a key above ?1, by key, as (key,
// created_at). delete_sql: deletes what may go of the rows with keys in
// (?1, ?2], older than ?3. *after: where the pass stands.
Result<PruneResult> SqliteStore::PruneInKeyOrder(std::string_view walk_sql, std::string_view delete_sql,
                                                 int64_t* after, int64_t before, size_t max_rows) {
  PruneResult out;
  int64_t upto = *after;
  Status s = Atomically([&]() -> Status {
    // The next max_rows rows of the pass; the walk ends at the first one
    // created at or after the cutoff.
    TGATE_ASSIGN_OR_RETURN(auto walk, Prepare(walk_sql));
    walk.Bind(1, *after).Bind(2, static_cast<int64_t>(max_rows));
    size_t seen = 0;
    bool reached_cutoff = false;
    for (;;) {
      TGATE_ASSIGN_OR_RETURN(auto row, walk.Step());
      if (!row) break;
      ++seen;
      if (walk.Int64(1) >= before) {
        reached_cutoff = true;
        break;
      }
      upto = walk.Int64(0);
    }
    walk.Reset();
    out.done = reached_cutoff || seen < max_rows;
    if (upto == *after) return Status::Ok();
    // A range of the primary key: the rows just walked.
    TGATE_ASSIGN_OR_RETURN(auto del, Prepare(delete_sql));
    TGATE_RETURN_IF_ERROR(del.Bind(1, *after).Bind(2, upto).Bind(3, before).Run());
    out.deleted = del.Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  // A pass skips what it has walked (rows that may not go yet stay behind);
  // once it reaches the cutoff the next one starts over, and finds those
  // that may go since.
  *after = out.done ? 0 : upto;
  return out;
}

Awaitable<Result<PruneResult>> SqliteStore::PruneMessages(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneMessages needs max_rows >= 1");
  // Queued messages stay (they are still to be sent), and so do finished
  // ones updated since the cutoff (a broadcast spread over days, a cancel a
  // moment ago): a later pass takes them.
  co_return PruneInKeyOrder(
      "SELECT id, created_at FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
      "DELETE FROM messages WHERE id > ?1 AND id <= ?2 AND status <> 0 AND updated_at < ?3",
      &prune_messages_after_, before, max_rows);
}

Awaitable<Result<PruneResult>> SqliteStore::PruneUpdates(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneUpdates needs max_rows >= 1");
  PruneResult out;
  out.done = true;
  Status s = Atomically([&]() -> Status {
    TGATE_ASSIGN_OR_RETURN(auto first_bot, Prepare("SELECT bot FROM updates ORDER BY bot LIMIT 1"));
    TGATE_ASSIGN_OR_RETURN(auto next_bot,
                           Prepare("SELECT bot FROM updates WHERE bot > ?1 ORDER BY bot LIMIT 1"));
    // A bot's oldest updates, by primary key; the walk ends at the first one
    // still pending (processed in a moment) or received at or after the cutoff.
    // Set-aside updates (processed = 2) go like processed ones.
    TGATE_ASSIGN_OR_RETURN(auto walk, Prepare("SELECT update_id, processed, received_at FROM updates WHERE "
                                              "bot = ?1 ORDER BY update_id LIMIT ?2"));
    // Each bot's newest update stays: MaxUpdateId must not go back (getUpdates offset).
    TGATE_ASSIGN_OR_RETURN(
        auto del, Prepare("DELETE FROM updates WHERE bot = ?1 AND update_id <= ?2 AND processed != 0 AND "
                          "update_id < (SELECT max(update_id) FROM updates WHERE bot = ?1)"));

    size_t budget = max_rows;
    SqliteStatement* bots = &first_bot;
    for (;;) {
      TGATE_ASSIGN_OR_RETURN(auto has_bot, bots->Step());
      if (!has_bot) return Status::Ok();
      const std::string bot = bots->Text(0);
      bots->Reset();
      if (budget == 0) {  // a bot left unlooked at
        out.done = false;
        return Status::Ok();
      }
      walk.Bind(1, bot).Bind(2, static_cast<int64_t>(budget));
      size_t seen = 0;
      bool stopped = false, any = false;
      int64_t upto = 0;
      for (;;) {
        TGATE_ASSIGN_OR_RETURN(auto row, walk.Step());
        if (!row) break;
        ++seen;
        if (walk.Int64(1) == 0 || walk.Int64(2) >= before) {
          stopped = true;
          break;
        }
        upto = walk.Int64(0);
        any = true;
      }
      walk.Reset();
      budget -= seen;
      if (!stopped && budget == 0) out.done = false;  // the bot may have more
      if (any) {
        TGATE_RETURN_IF_ERROR(del.Bind(1, bot).Bind(2, upto).Run());
        out.deleted += del.Changes();
        del.Reset();
      }
      if (!out.done) return Status::Ok();
      next_bot.Bind(1, bot);
      bots = &next_bot;
    }
  });
  if (!s.ok()) co_return s;
  co_return out;
}

Awaitable<Result<PruneResult>> SqliteStore::PruneBroadcasts(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneBroadcasts needs max_rows >= 1");
  // Finished: nothing left to materialize (fill_after is NULL once a
  // broadcast to "all" is complete or cancelled) and no message left at
  // all, so none queued either. The messages' foreign key needs the latter
  // anyway. messages_by_broadcast answers both that NOT EXISTS and the
  // foreign key's own check on delete (SQLite 3.40, 1 M messages: 500
  // broadcasts deleted in 2.4 ms; without the index, ~67 ms each). A cancel
  // since the cutoff keeps the broadcast for another retention period, as it
  // keeps the messages it cancelled. Running broadcasts stay behind the pass.
  co_return PruneInKeyOrder("SELECT id, created_at FROM broadcasts WHERE id > ?1 ORDER BY id LIMIT ?2",
                            "DELETE FROM broadcasts WHERE id > ?1 AND id <= ?2 AND fill_after IS NULL "
                            "AND (cancelled_at IS NULL OR cancelled_at < ?3) "
                            "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.broadcast_id = broadcasts.id)",
                            &prune_broadcasts_after_, before, max_rows);
}

Awaitable<Result<PruneResult>> SqliteStore::PruneEvents(int64_t before, size_t max_rows) {
  if (max_rows == 0) co_return Status::InvalidArgument("PruneEvents needs max_rows >= 1");
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  // Every event walked is old, and none is kept for its state: all go.
  co_return PruneInKeyOrder("SELECT id, created_at FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
                            "DELETE FROM events WHERE id > ?1 AND id <= ?2 AND created_at < ?3",
                            &prune_events_after_, before, max_rows);
}

}  // namespace tgate::store
