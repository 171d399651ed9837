// SqliteStore: opening, transactions, link tokens, bindings, received updates
// and the events outbox. The message queue is in sqlite_store_queue.cc,
// broadcasts in sqlite_store_broadcasts.cc and retention (pruning old
// messages, broadcasts, updates and events) in sqlite_store_retention.cc.
#include "store/sqlite_store.h"

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "core/ascii.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "store/db_files.h"
#include "store/migrations.h"
#include "store/sqlite_busy_wait.h"
#include "store/sqlite_codes.h"
#include "store/sqlite_page_cache.h"
#include "store/sqlite_wal_coalescing_vfs.h"

namespace tgate::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// How long the writer, emptying the WAL itself, waits for a background pass
// and for readers (wal_limit.h).
constexpr std::chrono::milliseconds kWalCheckpointWait(250);

Binding ReadBinding(const SqliteStatement& st) {
  Binding b;
  b.bot = st.Text(0);
  b.user = st.Text(1);
  b.chat_id = st.Int64(2);
  b.status = UserStatusOf(st.Int64(3));
  b.linked_at = st.Int64(4);
  return b;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const StoreOptions& options) {
  std::string sync = AsciiLower(options.synchronous);
  if (sync != "normal" && sync != "full") {
    return Status::InvalidArgument("store synchronous must be \"normal\" or \"full\", not \"" +
                                   options.synchronous + "\"");
  }
  // Memory statistics cost a global mutex per allocation; tgate never reads
  // them. Only effective before SQLite initialises, hence once, first.
  static const bool kNoMemStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)kNoMemStatus;
  // So is the page cache's: commits skip a scan of the whole cache (see
  // sqlite_page_cache.h).
  InstallSqlitePageCache();
  // Before SQLite opens (and so creates) it: a new database is made 0600, and
  // one that others may read is refused.
  TGATE_RETURN_IF_ERROR(PrepareDbFiles(options.path));
  sqlite3* db = nullptr;
  // The WAL's frames are written once per commit (see sqlite_wal_coalescing_vfs.h).
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, WalCoalescingVfs());
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc, "open " + options.path);
    sqlite3_close(db);
    return s;
  }
  // The store owns db from here: its destructor closes it on every error path.
  static const SystemClock kSystemClock;
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, options.clock ? *options.clock : kSystemClock));
  sqlite3_extended_result_codes(db, 1);
  SetBusyWait(db, std::chrono::milliseconds(kBusyTimeoutMs));
  std::string pragmas =
      // A new database's pages are 2 KiB, not SQLite's 4 KiB: a commit
      // writes (and checksums, and later checkpoints) whole pages to the WAL,
      // and an outcome write or a stored request dirties a few pages for a
      // few hundred bytes of change. Per delivered message 3.4 % fewer
      // instructions (delivery_bench --instructions), per message taken in
      // 3 %; 1 KiB saved little more and would move index keys over 231
      // bytes (idempotency keys) to overflow pages. Set before the WAL
      // exists; a database created before keeps its own size.
      "PRAGMA page_size = 2048;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = " +
      sync +
      ";"
      "PRAGMA foreign_keys = ON;"
      // Sorts and the broadcast target list stay in memory, not temp files.
      "PRAGMA temp_store = MEMORY;"
      // 32 MiB page cache: a million-message broadcast insert touches four
      // indexes; the 2 MiB default makes it spill and re-read pages.
      "PRAGMA cache_size = -32768;"
      // Once checkpointed, the WAL is written again from its start; this
      // trims a file that a big broadcast's insert grew back to 64 MiB.
      "PRAGMA journal_size_limit = 67108864;";
  TGATE_RETURN_IF_ERROR(ExecSql(db, pragmas.c_str()));
  TGATE_RETURN_IF_ERROR(Migrate(db));
  // Per-connection scratch for CreateBroadcast's user list (never on disk).
  TGATE_RETURN_IF_ERROR(
      ExecSql(db, "CREATE TEMP TABLE IF NOT EXISTS broadcast_users (user TEXT PRIMARY KEY) WITHOUT ROWID"));
  if (options.path != ":memory:" && !options.path.empty()) {
    // Checkpoints move to a background thread (see sqlite_checkpointer.h).
    auto cp =
        SqliteCheckpointer::Start(options.path, std::chrono::milliseconds(500), options.wal_limit_bytes);
    if (cp.ok()) {
      TGATE_RETURN_IF_ERROR(ExecSql(db, "PRAGMA wal_autocheckpoint = 0;"));
      store->checkpointer_ = std::move(*cp);
      // In place of the autocheckpoint's hook (which the pragma removed);
      // without the checkpointer the autocheckpoint, run by the only writer
      // between its commits, keeps the WAL small by itself.
      SqliteCheckpointer* checkpointer = store->checkpointer_.get();
      if (options.wal_limit_bytes > 0) {
        store->wal_limit_ =
            std::make_unique<WalLimit>(db, options.wal_limit_bytes, kWalCheckpointWait, kBusyTimeoutMs,
                                       [checkpointer] { checkpointer->Nudge(); });
      }
    }
  }
  return store;
}

SqliteStore::SqliteStore(sqlite3* db, const Clock& clock)
    : db_(db), clock_(clock), cache_(db), held_events_(cache_), transactions_(db, cache_, &held_events_) {}

SqliteStore::~SqliteStore() {
  wal_limit_.reset();
  checkpointer_.reset();
  cache_.Clear();
  sqlite3_close(db_);
}

// SQLite calls never suspend, so nothing else runs on this connection while
// fn's calls do: the connection's one transaction is fn's, and fn gets this
// Store itself as its `tx`. (fn must only await store calls: anything else
// that suspended would let other callers' calls join the transaction.)
Awaitable<Status> SqliteStore::RunInTransaction(const std::function<Awaitable<Status>(Store& tx)>& fn) {
  TGATE_CO_RETURN_IF_ERROR(transactions_.Begin());
  Status s;
  try {
    s = co_await fn(*this);
  } catch (...) {
    (void)transactions_.End(Status::Internal("transaction aborted by an exception"));
    throw;
  }
  co_return transactions_.End(std::move(s));
}

// --- link tokens

// Tokens are kept as their SHA-256 (hex): 256 random bits need no salt or
// slow hash, and a copy of the database holds nothing to redeem.
Awaitable<Status> SqliteStore::PutLinkToken(const LinkToken& token) {
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("INSERT INTO link_tokens (token_sha256, bot, user, expires_at) VALUES (?1, ?2, ?3, ?4)"));
  st.Bind(1, Sha256Hex(token.token)).Bind(2, token.bot).Bind(3, token.user).Bind(4, token.expires_at);
  co_return st.Run();
}

Awaitable<Result<LinkToken>> SqliteStore::TakeLinkToken(std::string_view token) {
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare("DELETE FROM link_tokens WHERE token_sha256 = ?1 RETURNING bot, user, expires_at"));
  st.Bind(1, Sha256Hex(token));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Step());
  if (!row) co_return Status::NotFound("unknown or used link token");
  LinkToken out{std::string(token), st.Text(0), st.Text(1), st.Int64(2)};
  // Step to the end so the DELETE's autocommit completes (and reports errors).
  TGATE_CO_RETURN_IF_ERROR(st.Run());
  co_return out;
}

Awaitable<Result<int64_t>> SqliteStore::PruneLinkTokens(int64_t now) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM link_tokens WHERE expires_at < ?1"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, now).Run());
  co_return st.Changes();
}

// --- bindings

Awaitable<Status> SqliteStore::Bind(const Binding& binding) {
  co_return Atomically([&]() -> Status {
    TGATE_ASSIGN_OR_RETURN(auto drop,
                           Prepare("DELETE FROM bindings WHERE bot = ?1 AND chat_id = ?2 AND user <> ?3"));
    TGATE_RETURN_IF_ERROR(drop.Bind(1, binding.bot).Bind(2, binding.chat_id).Bind(3, binding.user).Run());
    TGATE_ASSIGN_OR_RETURN(
        auto upsert,
        Prepare("INSERT INTO bindings (bot, user, chat_id, status, linked_at) VALUES (?1, ?2, ?3, 0, ?4) "
                "ON CONFLICT (bot, user) DO UPDATE SET chat_id = excluded.chat_id, status = 0, "
                "linked_at = excluded.linked_at"));
    upsert.Bind(1, binding.bot).Bind(2, binding.user).Bind(3, binding.chat_id);
    return upsert.Bind(4, binding.linked_at).Run();
  });
}

Awaitable<Result<Binding>> SqliteStore::GetBinding(std::string_view bot, std::string_view user) {
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT bot, user, chat_id, status, linked_at FROM bindings WHERE bot = ?1 AND user = ?2"));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, user).Step());
  if (!row) co_return Status::NotFound("user is not linked");
  co_return ReadBinding(st);
}

Awaitable<Result<Binding>> SqliteStore::GetBindingByChat(std::string_view bot, int64_t chat_id) {
  // By bindings_by_chat (migrations.cc Version 16): the chat id is compared
  // first at each step down the tree.
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("SELECT bot, user, chat_id, status, linked_at FROM bindings "
                                             "INDEXED BY bindings_by_chat WHERE chat_id = ?2 AND bot = ?1"));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, chat_id).Step());
  if (!row) co_return Status::NotFound("no user is linked to this chat");
  co_return ReadBinding(st);
}

Awaitable<Status> SqliteStore::DeleteBinding(std::string_view bot, std::string_view user) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM bindings WHERE bot = ?1 AND user = ?2"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Bind(2, user).Run());
  if (st.Changes() == 0) co_return Status::NotFound("user is not linked");
  co_return Status::Ok();
}

Awaitable<Result<Binding>> SqliteStore::Unlink(std::string_view bot, std::string_view user,
                                               const std::function<std::string(const Binding&)>& event,
                                               int64_t now_ms) {
  Binding unlinked;
  Status s = co_await RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_ASSIGN_OR_RETURN(auto b, co_await tx.GetBinding(bot, user));
    TGATE_CO_RETURN_IF_ERROR(co_await tx.DeleteBinding(bot, user));
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(event(b), now_ms));
    unlinked = std::move(b);
    co_return Status::Ok();
  });
  if (!s.ok()) co_return s;
  co_return unlinked;
}

Awaitable<Status> SqliteStore::SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st,
                            Prepare("UPDATE bindings SET status = ?3 WHERE bot = ?1 AND chat_id = ?2"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Bind(2, chat_id).Bind(3, UserStatusInt(status)).Run());
  if (st.Changes() == 0) co_return Status::NotFound("no user is linked to this chat");
  co_return Status::Ok();
}

Awaitable<Status> SqliteStore::MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) {
  if (old_chat == new_chat) co_return Status::Ok();
  co_return Atomically([&]() -> Status {
    // The migrated chat's binding wins over any binding of the new id, as in Bind.
    TGATE_ASSIGN_OR_RETURN(auto drop,
                           Prepare("DELETE FROM bindings WHERE bot = ?1 AND chat_id = ?2 AND EXISTS "
                                   "(SELECT 1 FROM bindings WHERE bot = ?1 AND chat_id = ?3)"));
    TGATE_RETURN_IF_ERROR(drop.Bind(1, bot).Bind(2, new_chat).Bind(3, old_chat).Run());
    TGATE_ASSIGN_OR_RETURN(auto binding,
                           Prepare("UPDATE bindings SET chat_id = ?3 WHERE bot = ?1 AND chat_id = ?2"));
    TGATE_RETURN_IF_ERROR(binding.Bind(1, bot).Bind(2, old_chat).Bind(3, new_chat).Run());
    // No index finds a chat's messages (migrations.cc, Version 15): its
    // queued ones are found in the queue's own indexes, the one-to-one
    // queue and each broadcast's from its queued_from (CROSS JOIN: broadcast
    // by broadcast, not every broadcast message ever). A walk of what is
    // queued, once in a group's life.
    TGATE_ASSIGN_OR_RETURN(auto direct,
                           Prepare("UPDATE messages INDEXED BY messages_queued_direct SET chat_id = ?3 "
                                   "WHERE bot = ?1 AND status = 0 AND broadcast_id IS NULL "
                                   "AND chat_id = ?2"));
    TGATE_RETURN_IF_ERROR(direct.Bind(1, bot).Bind(2, old_chat).Bind(3, new_chat).Run());
    TGATE_ASSIGN_OR_RETURN(
        auto broadcast,
        Prepare("UPDATE messages SET chat_id = ?3 WHERE id IN (SELECT m.id FROM broadcasts b "
                "CROSS JOIN messages m INDEXED BY messages_by_broadcast ON m.broadcast_id = b.id "
                "AND m.id >= b.queued_from WHERE b.bot = ?1 AND m.status = 0 AND m.chat_id = ?2)"));
    TGATE_RETURN_IF_ERROR(broadcast.Bind(1, bot).Bind(2, old_chat).Bind(3, new_chat).Run());
    // Remembered for later messages to old_chat (see Enqueue). Chains are
    // compressed here, so a lookup takes one step: earlier moves to old_chat
    // now lead to new_chat. A move back (a cycle) leaves no row mapping a
    // chat to itself.
    TGATE_ASSIGN_OR_RETURN(
        auto chain,
        Prepare("UPDATE chat_migrations SET new_chat_id = ?3 WHERE bot = ?1 AND new_chat_id = ?2"));
    TGATE_RETURN_IF_ERROR(chain.Bind(1, bot).Bind(2, old_chat).Bind(3, new_chat).Run());
    TGATE_ASSIGN_OR_RETURN(
        auto remember,
        Prepare("INSERT INTO chat_migrations (bot, old_chat_id, new_chat_id, migrated_at) VALUES (?1, ?2, "
                "?3, ?4) "
                "ON CONFLICT (bot, old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id, "
                "migrated_at = excluded.migrated_at"));
    TGATE_RETURN_IF_ERROR(
        remember.Bind(1, bot).Bind(2, old_chat).Bind(3, new_chat).Bind(4, NowSeconds()).Run());
    TGATE_ASSIGN_OR_RETURN(auto forget,
                           Prepare("DELETE FROM chat_migrations WHERE bot = ?1 AND old_chat_id = ?2"));
    return forget.Bind(1, bot).Bind(2, new_chat).Run();  // new_chat is current again
  });
}

Result<int64_t> SqliteStore::ResolveChat(std::string_view bot, int64_t chat_id) {
  TGATE_ASSIGN_OR_RETURN(
      auto st, Prepare("SELECT new_chat_id FROM chat_migrations WHERE bot = ?1 AND old_chat_id = ?2"));
  // MoveChat keeps chains compressed; the loop only guards rows written
  // otherwise (a bounded walk, never a cycle forever).
  for (int hop = 0; hop < 8; ++hop) {
    TGATE_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, chat_id).Step());
    if (!row) return chat_id;
    int64_t next = st.Int64(0);
    st.Reset();
    if (next == chat_id) return chat_id;
    chat_id = next;
  }
  return chat_id;
}

Awaitable<Result<int64_t>> SqliteStore::CountBindings(std::string_view bot, UserStatus status) {
  co_return ReadBindingCount(bot, status);
}

Result<int64_t> SqliteStore::ReadBindingCount(std::string_view bot, UserStatus status) {
  // Active ones are counted by triggers (schema v5): O(1) for a million users.
  TGATE_ASSIGN_OR_RETURN(
      auto st, Prepare(status == UserStatus::kActive
                           ? "SELECT coalesce((SELECT active FROM binding_counts WHERE bot = ?1), 0)"
                           : "SELECT count(*) FROM bindings WHERE bot = ?1 AND status = ?2"));
  st.Bind(1, bot);
  if (status != UserStatus::kActive) st.Bind(2, UserStatusInt(status));
  TGATE_RETURN_IF_ERROR(st.Step().status());
  return st.Int64(0);
}

// --- received updates

Result<bool> SqliteStore::InsertUpdateNow(const Update& update) {
  TGATE_ASSIGN_OR_RETURN(auto st,
                         Prepare("INSERT INTO updates (bot, update_id, payload, processed, received_at) "
                                 "VALUES (?1, ?2, ?3, ?5, ?4) ON CONFLICT (bot, update_id) DO NOTHING"));
  st.Bind(1, update.bot).Bind(2, update.update_id);
  st.Bind(3, update.processed ? std::string_view("") : std::string_view(update.payload));
  st.Bind(5, int64_t{update.processed ? 1 : 0});
  TGATE_RETURN_IF_ERROR(st.Bind(4, NowSeconds()).Run());
  return st.Changes() == 1;
}

Awaitable<Result<bool>> SqliteStore::InsertUpdate(const Update& update) { co_return InsertUpdateNow(update); }

Awaitable<Result<std::vector<bool>>> SqliteStore::InsertUpdates(std::span<const Update> updates) {
  // One statement each: SQLite has no round trip to save.
  std::vector<bool> inserted;
  auto write = [&]() -> Status {
    inserted.clear();
    for (const Update& update : updates) {
      TGATE_ASSIGN_OR_RETURN(bool added, InsertUpdateNow(update));
      inserted.push_back(added);
    }
    return Status::Ok();
  };
  // Inside a caller's transaction a failure fails that whole transaction.
  TGATE_CO_RETURN_IF_ERROR(transactions_.depth() > 0 ? write() : Atomically(write));
  co_return inserted;
}

Awaitable<Result<std::vector<Update>>> SqliteStore::PendingUpdates(std::string_view bot, size_t limit) {
  // Without INDEXED BY the planner picks the primary key and walks every
  // kept processed update before reaching the pending ones at the end.
  TGATE_CO_ASSIGN_OR_RETURN(auto st,
                            Prepare("SELECT update_id, payload FROM updates INDEXED BY updates_pending "
                                    "WHERE bot = ?1 AND processed = 0 "
                                    "ORDER BY update_id LIMIT ?2"));
  st.Bind(1, bot).Bind(2, static_cast<int64_t>(limit));
  std::vector<Update> out;
  for (;;) {
    TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) co_return out;
    out.push_back(Update{std::string(bot), st.Int64(0), st.Text(1)});
  }
}

Awaitable<Status> SqliteStore::MarkUpdateProcessed(std::string_view bot, int64_t update_id) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st,
                            Prepare("UPDATE updates SET processed = 1 WHERE bot = ?1 AND update_id = ?2"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Bind(2, update_id).Run());
  if (st.Changes() == 0) co_return Status::NotFound("no such update");
  co_return Status::Ok();
}

Awaitable<Status> SqliteStore::SetUpdateAside(std::string_view bot, int64_t update_id,
                                              std::string_view reason) {
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("UPDATE updates SET processed = 2, set_aside_reason = ?3 WHERE bot = ?1 AND update_id = ?2 AND "
              "processed = 0"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Bind(2, update_id).Bind(3, reason).Run());
  if (st.Changes() == 0) co_return Status::NotFound("no such pending update");
  co_return Status::Ok();
}

Awaitable<Result<int64_t>> SqliteStore::CountSetAsideUpdates(std::string_view bot) {
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT count(*) FROM updates INDEXED BY updates_set_aside WHERE bot = ?1 AND processed = 2"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Step().status());
  co_return st.Int64(0);
}

Awaitable<Result<int64_t>> SqliteStore::MaxUpdateId(std::string_view bot) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st,
                            Prepare("SELECT coalesce(max(update_id), 0) FROM updates WHERE bot = ?1"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, bot).Step().status());
  co_return st.Int64(0);
}

// --- events outbox

Awaitable<Status> SqliteStore::AddEvent(std::string_view payload_json, int64_t now_ms) {
  // Inside a transaction it is held and written with the others at the
  // commit (sqlite_held_events.h); alone, it is written now.
  const int64_t number = held_events_.Next();
  held_events_.Add(payload_json, now_ms);
  if (transactions_.depth() > 0) co_return Status::Ok();
  Status s = held_events_.Write();
  if (!s.ok()) held_events_.Drop(number);
  co_return s;
}

Awaitable<Status> SqliteStore::AddChatEvent(std::string_view head, std::string_view bot, int64_t chat_id,
                                            std::string_view tail, int64_t now_ms) {
  std::string payload(head);
  // Only the user: bindings_by_chat's entry holds it (the rest of the
  // primary key), so the index alone answers (migrations.cc Version 16).
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT user FROM bindings INDEXED BY bindings_by_chat WHERE chat_id = ?2 AND bot = ?1"));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, chat_id).Step());
  if (row) {
    payload += R"(,"user":)";
    payload += boost::json::serialize(boost::json::string_view(st.Text(0)));
  }
  st.Reset();
  payload += tail;
  co_return co_await AddEvent(payload, now_ms);
}

Awaitable<Result<std::vector<Event>>> SqliteStore::DueEvents(int64_t now_ms, size_t limit) {
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  // Soonest due first, then by id: an event never tried is due when it was
  // made, so those come in the order they were made. Through events_by_due,
  // whose entries are in that order: the read stops at `limit` rows. In id
  // order it scanned the whole table for the few due (15 ms a read over
  // 200,000 events waiting for a retry, as a site down for a while leaves).
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare("SELECT id, payload, attempts, next_attempt_ms FROM events INDEXED BY events_by_due "
                       "WHERE next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2"));
  st.Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit));
  std::vector<Event> out;
  for (;;) {
    TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) co_return out;
    out.push_back(Event{st.Int64(0), st.Text(1), static_cast<int>(st.Int64(2)), st.Int64(3)});
  }
}

Awaitable<Status> SqliteStore::EventsDelivered(const std::vector<int64_t>& ids) {
  if (ids.empty()) co_return Status::Ok();
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  auto remove = [&]() -> Status {
    TGATE_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM events WHERE id = ?1"));
    for (int64_t id : ids) {
      TGATE_RETURN_IF_ERROR(st.Bind(1, id).Run());
      st.Reset();
    }
    return Status::Ok();
  };
  co_return transactions_.depth() > 0 ? remove() : Atomically(remove);
}

Awaitable<Status> SqliteStore::EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) {
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  TGATE_CO_ASSIGN_OR_RETURN(auto st,
                            Prepare("UPDATE events SET attempts = ?2, next_attempt_ms = ?3 WHERE id = ?1"));
  TGATE_CO_RETURN_IF_ERROR(st.Bind(1, id).Bind(2, int64_t{attempts}).Bind(3, next_attempt_ms).Run());
  if (st.Changes() == 0) co_return Status::NotFound("no such event");
  co_return Status::Ok();
}

Awaitable<Result<int64_t>> SqliteStore::NextEventDue() {
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("SELECT coalesce(min(next_attempt_ms), 0) FROM events"));
  TGATE_CO_RETURN_IF_ERROR(st.Step().status());
  co_return st.Int64(0);
}

Awaitable<Result<OutboxBacklog>> SqliteStore::Backlog() {
  TGATE_CO_RETURN_IF_ERROR(held_events_.WriteForRead(transactions_.depth()));
  // The oldest by id (the primary key; ids follow creation), not a scan for min(created_at).
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare("SELECT count(*), coalesce((SELECT created_at FROM events ORDER BY id LIMIT 1), 0) "
                       "FROM events"));
  TGATE_CO_RETURN_IF_ERROR(st.Step().status());
  co_return OutboxBacklog{st.Int64(0), st.Int64(1)};
}

Awaitable<Status> SqliteStore::ProbeWrite() {
  // The schema version written over with itself: SQLite writes the header
  // page whatever the value, so this takes the write lock (BEGIN IMMEDIATE)
  // and appends to the WAL at commit, and changes nothing.
  // The calls run on the io thread: another process holding the write lock
  // (a `tgate store` command, the sqlite3 shell) must not stall the server
  // for the full busy timeout, so the probe waits for it briefly only.
  constexpr int kProbeBusyTimeoutMs = 200;
  TGATE_CO_ASSIGN_OR_RETURN(auto version, ReadSchemaVersion(db_));
  const std::string set = "PRAGMA user_version = " + std::to_string(version);
  SetBusyWait(db_, std::chrono::milliseconds(kProbeBusyTimeoutMs));
  Status s = transactions_.Begin();
  if (s.ok()) {
    auto st = Prepare(set);
    s = transactions_.End(st.ok() ? st->Run() : st.status());
  }
  SetBusyWait(db_, std::chrono::milliseconds(kBusyTimeoutMs));
  co_return s;
}

}  // namespace tgate::store
