// PgStore: units of work and transactions, link tokens, bindings, received
// updates and the events outbox. The message queue is in pg_store_queue.cc,
// broadcasts in pg_store_broadcasts.cc and retention in pg_store_retention.cc.
#include "store/pg_store.h"

#include <map>
#include <string>
#include <utility>

#include "core/random.h"
#include "core/status_macros.h"
#include "pg/array_literal.h"
#include "store/sqlite_codes.h"

namespace tgate::store {
namespace {

// SQLSTATE that tgate_fence raises (pg_migrations.cc).
constexpr std::string_view kFenceSqlstate = "TG001";

constexpr const char* kSelectBinding = "SELECT bot, site_user, chat_id, status, linked_at FROM bindings ";

Binding ReadBinding(const pg::Rows& rows, int row) {
  Binding b;
  b.bot = std::string(rows.Text(row, 0));
  b.user = std::string(rows.Text(row, 1));
  b.chat_id = rows.Int64(row, 2);
  b.status = UserStatusOf(rows.Int64(row, 3));
  b.linked_at = rows.Int64(row, 4);
  return b;
}

}  // namespace

namespace {
const Clock& ClockOf(const StoreOptions& options) {
  static const SystemClock kSystemClock;
  return options.clock ? *options.clock : kSystemClock;
}
}  // namespace

PgStore::PgStore(asio::any_io_executor executor, std::string conninfo, const StoreOptions& options)
    : shared_(std::make_shared<Shared>(std::move(executor), std::move(conninfo),
                                       options.pool_size > 0 ? options.pool_size : 1, ClockOf(options))) {}

PgStore::~PgStore() = default;

void PgStore::SetFence(std::string bot, std::string owner, int64_t epoch) {
  shared_->fences[std::move(bot)] = Fence{std::move(owner), epoch};
}

void PgStore::ClearFence(const std::string& bot) { shared_->fences.erase(bot); }

// --- units of work

Status PgStore::Failed(const pg::Connection& conn, Status s) {
  if (tx_ == &conn) tx_failed_ = true;
  if (conn.sqlstate() == kFenceSqlstate) return Status::Conflict(s.message());
  return s;
}

PgStore::Deferred PgStore::Deferred::Sql(std::string sql) {
  Deferred d;
  d.statement.sql = std::move(sql);
  return d;
}

std::vector<pg::Statement> PgStore::TakeDeferred() {
  std::vector<pg::Statement> all;
  std::vector<PgEventRow> events;  // a run of deferred events, written by one statement
  for (Deferred& d : deferred_) {
    if (d.event) {
      events.push_back(std::move(*d.event));
      continue;
    }
    if (!events.empty()) all.push_back(InsertEvents(events, kEventsChannel));
    events.clear();
    all.push_back(std::move(d.statement));
  }
  if (!events.empty()) all.push_back(InsertEvents(events, kEventsChannel));
  deferred_.clear();
  return all;
}

Awaitable<Result<std::vector<pg::Rows>>> PgStore::SendWithDeferred(std::vector<pg::Statement> statements) {
  std::vector<pg::Statement> all = TakeDeferred();
  const size_t sent_before = all.size();
  for (pg::Statement& st : statements) all.push_back(std::move(st));
  ++sends_;
  auto results = co_await tx_->Pipeline(all);
  if (!results.ok()) co_return Failed(*tx_, results.status());
  results->erase(results->begin(), results->begin() + static_cast<ptrdiff_t>(sent_before));
  co_return std::move(results);
}

Awaitable<Status> PgStore::DeferEvent(PgEventRow event) {
  if (tx_ != nullptr) {
    Deferred d;
    d.event = std::move(event);
    deferred_.push_back(std::move(d));
    co_return Status::Ok();
  }
  const std::span<const PgEventRow> one(&event, 1);
  pg::Statement insert = InsertEvents(one, kEventsChannel);
  auto rows = co_await Exec(insert.sql, std::move(insert.params));
  co_return rows.status();
}

Awaitable<Result<pg::Rows>> PgStore::Exec(std::string_view sql, pg::Params params) {
  if (tx_ != nullptr && !deferred_.empty()) {
    std::vector<pg::Statement> one;
    one.push_back(pg::Statement{std::string(sql), std::move(params)});
    auto results = co_await SendWithDeferred(std::move(one));
    if (!results.ok()) co_return results.status();
    co_return std::move(results->back());
  }
  if (tx_ != nullptr) {
    ++sends_;
    auto rows = co_await tx_->Query(sql, params);
    if (!rows.ok()) co_return Failed(*tx_, rows.status());
    co_return std::move(rows);
  }
  auto pooled = co_await shared_->pool.Get();
  if (!pooled.ok()) co_return pooled.status();
  auto rows = co_await (*pooled)->Query(sql, params);
  if (!rows.ok()) co_return Failed(**pooled, rows.status());
  co_return std::move(rows);
}

Awaitable<Result<std::vector<pg::Rows>>> PgStore::ExecPipeline(std::vector<pg::Statement> statements) {
  if (tx_ != nullptr) co_return co_await SendWithDeferred(std::move(statements));
  auto pooled = co_await shared_->pool.Get();
  if (!pooled.ok()) co_return pooled.status();
  auto results = co_await (*pooled)->Pipeline(statements);
  if (!results.ok()) co_return Failed(**pooled, results.status());
  co_return std::move(results);
}

Awaitable<Status> PgStore::Atomically(const std::function<Awaitable<Status>(PgStore& tx)>& fn) {
  if (tx_ != nullptr) co_return co_await fn(*this);  // joins the transaction under way
  auto pooled = co_await shared_->pool.Get();
  if (!pooled.ok()) co_return pooled.status();
  pg::Connection& conn = **pooled;
  PgStore view(shared_, &conn);
  view.deferred_.push_back(Deferred::Sql("BEGIN"));  // sent with the first statement
  Status s = co_await fn(view);
  const bool begun = view.deferred_.empty() || view.deferred_.front().statement.sql != "BEGIN";
  // A statement failed and fn went on: the transaction is aborted, and
  // COMMIT would roll it back without an error.
  if (s.ok() && view.tx_failed_) s = Status::Internal("a statement of the transaction failed; rolled back");
  if (s.ok() && !begun && view.deferred_.size() == 1) co_return s;  // nothing was written or read
  if (s.ok()) {
    std::vector<pg::Statement> commit;
    commit.push_back(pg::Statement{"COMMIT", {}});
    auto committed = co_await view.SendWithDeferred(std::move(commit));
    if (committed.ok()) co_return s;
    s = committed.status();
    // A deferred statement failed: the pipeline skipped the COMMIT, and the
    // transaction is still open (aborted). Ended by the ROLLBACK below.
    if (!conn.broken()) {
      auto rollback = co_await conn.Query("ROLLBACK");
      (void)rollback;
    }
    co_return s;
  }
  if (begun) {
    auto rollback = co_await conn.Query("ROLLBACK");  // s is the error to report
    (void)rollback;
  }
  co_return s;
}

Awaitable<Status> PgStore::RunInTransaction(const std::function<Awaitable<Status>(Store& tx)>& fn) {
  if (tx_ == nullptr)
    co_return co_await Atomically([&fn](PgStore& tx) -> Awaitable<Status> { return fn(tx); });
  // Nested in a transaction's view (transaction_runner.h):
  // a savepoint, as SqliteStore nests, so a failing inner fn undoes only
  // its own writes (and a statement error in it no longer aborts the outer).
  // SAVEPOINT goes with fn's first statement, RELEASE with the next one
  // after fn: a nested unit of work costs no round trip of its own. (A
  // deferred statement's error fails the whole transaction, as it shows only
  // once sent.)
  const size_t mark = deferred_.size();
  const uint64_t sends_before = sends_;
  deferred_.push_back(Deferred::Sql("SAVEPOINT tgate_nested"));
  const bool failed_before = tx_failed_;
  Status s = co_await fn(*this);
  if (s.ok() && tx_failed_ && !failed_before) s = Status::Internal("a statement of the transaction failed");
  if (s.ok()) {
    deferred_.push_back(Deferred::Sql("RELEASE SAVEPOINT tgate_nested"));
    co_return s;
  }
  if (sends_ == sends_before) {
    // Nothing of fn's was sent: undone by not sending it.
    deferred_.resize(mark);
    co_return s;
  }
  // fn's deferred statements go with its other writes.
  deferred_.clear();
  deferred_.push_back(Deferred::Sql("ROLLBACK TO SAVEPOINT tgate_nested"));
  deferred_.push_back(Deferred::Sql("RELEASE SAVEPOINT tgate_nested"));
  tx_failed_ = failed_before;
  co_return s;
}

// --- link tokens

// Kept as their SHA-256 (hex), as SqliteStore keeps them.
Awaitable<Status> PgStore::PutLinkToken(const LinkToken& token) {
  auto rows = co_await Exec(
      "INSERT INTO link_tokens (token_sha256, bot, site_user, expires_at) VALUES ($1, $2, $3, $4)",
      pg::Params().Add(Sha256Hex(token.token)).Add(token.bot).Add(token.user).Add(token.expires_at));
  co_return rows.status();
}

Awaitable<Result<LinkToken>> PgStore::TakeLinkToken(std::string_view token) {
  // One DELETE ... RETURNING: of two instances taking one token, one gets it.
  auto rows =
      co_await Exec("DELETE FROM link_tokens WHERE token_sha256 = $1 RETURNING bot, site_user, expires_at",
                    pg::Params().Add(Sha256Hex(token)));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("unknown or used link token");
  co_return LinkToken{std::string(token), std::string(rows->Text(0, 0)), std::string(rows->Text(0, 1)),
                      rows->Int64(0, 2)};
}

Awaitable<Result<int64_t>> PgStore::PruneLinkTokens(int64_t now) {
  auto rows = co_await Exec("DELETE FROM link_tokens WHERE expires_at < $1", pg::Params().Add(now));
  if (!rows.ok()) co_return rows.status();
  co_return rows->affected();
}

// --- bindings

Awaitable<Status> PgStore::Bind(const Binding& binding) {
  std::vector<pg::Statement> statements;
  statements.push_back({"DELETE FROM bindings WHERE bot = $1 AND chat_id = $2 AND site_user <> $3",
                        pg::Params().Add(binding.bot).Add(binding.chat_id).Add(binding.user)});
  statements.push_back(
      {"INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) VALUES ($1, $2, $3, 0, $4) "
       "ON CONFLICT (bot, site_user) DO UPDATE SET chat_id = excluded.chat_id, status = 0, "
       "linked_at = excluded.linked_at",
       pg::Params().Add(binding.bot).Add(binding.user).Add(binding.chat_id).Add(binding.linked_at)});
  auto done = co_await ExecPipeline(std::move(statements));
  co_return done.status();
}

Awaitable<Result<Binding>> PgStore::GetBinding(std::string_view bot, std::string_view user) {
  const std::string sql = std::string(kSelectBinding) + "WHERE bot = $1 AND site_user = $2";
  auto rows = co_await Exec(sql, pg::Params().Add(bot).Add(user));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("user is not linked");
  co_return ReadBinding(*rows, 0);
}

Awaitable<Result<Binding>> PgStore::GetBindingByChat(std::string_view bot, int64_t chat_id) {
  const std::string sql = std::string(kSelectBinding) + "WHERE bot = $1 AND chat_id = $2";
  auto rows = co_await Exec(sql, pg::Params().Add(bot).Add(chat_id));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("no user is linked to this chat");
  co_return ReadBinding(*rows, 0);
}

Awaitable<Status> PgStore::DeleteBinding(std::string_view bot, std::string_view user) {
  auto rows = co_await Exec("DELETE FROM bindings WHERE bot = $1 AND site_user = $2",
                            pg::Params().Add(bot).Add(user));
  if (!rows.ok()) co_return rows.status();
  if (rows->affected() == 0) co_return Status::NotFound("user is not linked");
  co_return Status::Ok();
}

Awaitable<Result<Binding>> PgStore::Unlink(std::string_view bot, std::string_view user,
                                           const std::function<std::string(const Binding&)>& event,
                                           int64_t now_ms) {
  Binding unlinked;
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    auto rows = co_await tx.Exec(
        "DELETE FROM bindings WHERE bot = $1 AND site_user = $2 RETURNING bot, site_user, chat_id, status, "
        "linked_at",
        pg::Params().Add(bot).Add(user));
    if (!rows.ok()) co_return rows.status();
    if (rows->empty()) co_return Status::NotFound("user is not linked");
    unlinked = ReadBinding(*rows, 0);
    const std::string payload = event(unlinked);
    co_return co_await tx.AddEvent(payload, now_ms);
  });
  if (!s.ok()) co_return s;
  co_return unlinked;
}

Awaitable<Status> PgStore::SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) {
  auto rows = co_await Exec("UPDATE bindings SET status = $3 WHERE bot = $1 AND chat_id = $2",
                            pg::Params().Add(bot).Add(chat_id).Add(UserStatusInt(status)));
  if (!rows.ok()) co_return rows.status();
  if (rows->affected() == 0) co_return Status::NotFound("no user is linked to this chat");
  co_return Status::Ok();
}

Awaitable<Status> PgStore::MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) {
  if (old_chat == new_chat) co_return Status::Ok();
  // As SqliteStore::MoveChat, one pipeline (one transaction): the migrated
  // chat's binding wins over any binding of the new id; queued messages
  // follow (found by a walk of the bot's queue, messages_queued: no index
  // finds a chat's messages); the move is remembered with chains
  // compressed, and new_chat is current again.
  auto params = [&] { return pg::Params().Add(bot).Add(old_chat).Add(new_chat); };
  std::vector<pg::Statement> statements;
  statements.push_back(
      {"DELETE FROM bindings WHERE bot = $1 AND chat_id = $3 AND EXISTS "
       "(SELECT 1 FROM bindings WHERE bot = $1 AND chat_id = $2)",
       params()});
  statements.push_back({"UPDATE bindings SET chat_id = $3 WHERE bot = $1 AND chat_id = $2", params()});
  statements.push_back(
      {"UPDATE messages SET chat_id = $3 WHERE bot = $1 AND chat_id = $2 AND status = 0", params()});
  statements.push_back(
      {"UPDATE chat_migrations SET new_chat_id = $3 WHERE bot = $1 AND new_chat_id = $2", params()});
  statements.push_back(
      {"INSERT INTO chat_migrations (bot, old_chat_id, new_chat_id, migrated_at) "
       "VALUES ($1, $2, $3, $4) ON CONFLICT (bot, old_chat_id) DO UPDATE SET "
       "new_chat_id = excluded.new_chat_id, migrated_at = excluded.migrated_at",
       params().Add(NowSeconds())});
  statements.push_back({"DELETE FROM chat_migrations WHERE bot = $1 AND old_chat_id = $2",
                        pg::Params().Add(bot).Add(new_chat)});
  auto done = co_await ExecPipeline(std::move(statements));
  co_return done.status();
}

Awaitable<Result<int64_t>> PgStore::CountBindings(std::string_view bot, UserStatus status) {
  // Active ones are counted by the trigger: O(1) for a million users.
  const bool active = status == UserStatus::kActive;
  pg::Params params;
  params.Add(bot);
  if (!active) params.Add(UserStatusInt(status));
  auto rows = co_await Exec(active ? "SELECT coalesce((SELECT active FROM binding_counts WHERE bot = $1), 0)"
                                   : "SELECT count(*) FROM bindings WHERE bot = $1 AND status = $2",
                            std::move(params));
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

// --- received updates

Awaitable<Result<bool>> PgStore::InsertUpdate(const Update& update) {
  // The primary key decides between instances receiving one update twice.
  // A new pending update is NOTIFYed (at commit) to the bot's owner,
  // wherever the webhook came in; one processed on receipt needs nobody.
  auto rows = co_await Exec(
      "WITH ins AS (INSERT INTO updates (bot, update_id, payload, processed, received_at) "
      "VALUES ($1, $2, $3, $6, $4) ON CONFLICT (bot, update_id) DO NOTHING RETURNING bot, processed) "
      "SELECT CASE WHEN processed = 0 THEN pg_notify($5, bot) END FROM ins",
      pg::Params()
          .Add(update.bot)
          .Add(update.update_id)
          .Add(update.processed ? std::string_view("") : std::string_view(update.payload))
          .Add(NowSeconds())
          .Add(std::string(kUpdatesChannel))
          .Add(int64_t{update.processed ? 1 : 0}));
  if (!rows.ok()) co_return rows.status();
  co_return rows->size() == 1;
}

Awaitable<Result<std::vector<bool>>> PgStore::InsertUpdates(std::span<const Update> updates) {
  std::vector<bool> inserted(updates.size(), false);
  if (updates.empty()) co_return inserted;
  std::vector<std::string> bots, payloads;
  std::vector<int64_t> ids, processed;
  for (const Update& u : updates) {
    bots.push_back(u.bot);
    ids.push_back(u.update_id);
    payloads.push_back(u.processed ? std::string() : u.payload);
    processed.push_back(u.processed ? 1 : 0);
  }
  // As InsertUpdate, each row in the order given (a duplicate within the
  // batch is skipped as one received before).
  auto rows = co_await Exec(
      "WITH ins AS (INSERT INTO updates (bot, update_id, payload, processed, received_at) "
      "SELECT r.bot, r.update_id, r.payload, r.processed, $5 FROM unnest($1::text[], $2::bigint[], "
      "$3::text[], $4::smallint[]) WITH ORDINALITY AS r(bot, update_id, payload, processed, ord) ORDER BY "
      "r.ord "
      "ON CONFLICT (bot, update_id) DO NOTHING RETURNING bot, update_id, processed) "
      "SELECT bot, update_id, CASE WHEN processed = 0 THEN pg_notify($6, bot) END FROM ins",
      pg::Params()
          .Add(pg::TextArray(bots))
          .Add(pg::BigintArray(ids))
          .Add(pg::TextArray(payloads))
          .Add(pg::BigintArray(processed))
          .Add(NowSeconds())
          .Add(std::string(kUpdatesChannel)));
  if (!rows.ok()) co_return rows.status();
  // Each row inserted is its update's first occurrence.
  std::map<std::pair<std::string_view, int64_t>, size_t> first;
  for (size_t i = 0; i < updates.size(); ++i)
    first.emplace(std::make_pair(std::string_view(bots[i]), ids[i]), i);
  for (int r = 0; r < rows->size(); ++r) {
    auto at = first.find(std::make_pair(rows->Text(r, 0), rows->Int64(r, 1)));
    if (at == first.end())
      co_return Status::Internal("storing updates answered for update " + std::to_string(rows->Int64(r, 1)) +
                                 ", which was not given");
    inserted[at->second] = true;
  }
  co_return inserted;
}

Awaitable<Result<std::vector<Update>>> PgStore::PendingUpdates(std::string_view bot, size_t limit) {
  auto rows = co_await Exec(
      "SELECT update_id, payload FROM updates WHERE bot = $1 AND processed = 0 ORDER BY update_id LIMIT $2",
      pg::Params().Add(bot).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) co_return rows.status();
  std::vector<Update> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(Update{std::string(bot), rows->Int64(i, 0), std::string(rows->Text(i, 1))});
  }
  co_return out;
}

Awaitable<Status> PgStore::MarkUpdateProcessed(std::string_view bot, int64_t update_id) {
  auto rows = co_await Exec("UPDATE updates SET processed = 1 WHERE bot = $1 AND update_id = $2",
                            pg::Params().Add(bot).Add(update_id));
  if (!rows.ok()) co_return rows.status();
  if (rows->affected() == 0) co_return Status::NotFound("no such update");
  co_return Status::Ok();
}

Awaitable<Status> PgStore::SetUpdateAside(std::string_view bot, int64_t update_id, std::string_view reason) {
  auto rows = co_await Exec(
      "UPDATE updates SET processed = 2, set_aside_reason = $3 WHERE bot = $1 AND update_id = $2 AND "
      "processed = 0",
      pg::Params().Add(bot).Add(update_id).Add(reason));
  if (!rows.ok()) co_return rows.status();
  if (rows->affected() == 0) co_return Status::NotFound("no such pending update");
  co_return Status::Ok();
}

Awaitable<Result<int64_t>> PgStore::CountSetAsideUpdates(std::string_view bot) {
  auto rows =
      co_await Exec("SELECT count(*) FROM updates WHERE bot = $1 AND processed = 2", pg::Params().Add(bot));
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

Awaitable<Result<int64_t>> PgStore::MaxUpdateId(std::string_view bot) {
  auto rows =
      co_await Exec("SELECT coalesce(max(update_id), 0) FROM updates WHERE bot = $1", pg::Params().Add(bot));
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

// --- events outbox

// In a transaction, sent with its next statement (DeferEvent), and written
// with the events next to it: an update taken in writes its event and the
// next update's row in one round trip, a batch's events in one statement.
Awaitable<Status> PgStore::AddEvent(std::string_view payload_json, int64_t now_ms) {
  PgEventRow event;
  event.head = payload_json;
  event.now_ms = now_ms;
  co_return co_await DeferEvent(std::move(event));
}

// The user's JSON string from to_json, in the statement that writes the event.
Awaitable<Status> PgStore::AddChatEvent(std::string_view head, std::string_view bot, int64_t chat_id,
                                        std::string_view tail, int64_t now_ms) {
  PgEventRow event;
  event.head = head;
  event.bot = bot;
  event.chat_id = chat_id;
  event.tail = tail;
  event.now_ms = now_ms;
  co_return co_await DeferEvent(std::move(event));
}

Awaitable<Result<std::vector<Event>>> PgStore::DueEvents(int64_t now_ms, size_t limit) {
  // Soonest due first, through events_by_due (see SqliteStore::DueEvents).
  auto rows = co_await Exec(
      "SELECT id, payload, attempts, next_attempt_ms FROM events WHERE next_attempt_ms <= $1 "
      "ORDER BY next_attempt_ms, id LIMIT $2",
      pg::Params().Add(now_ms).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) co_return rows.status();
  std::vector<Event> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back(Event{rows->Int64(i, 0), std::string(rows->Text(i, 1)), static_cast<int>(rows->Int64(i, 2)),
                        rows->Int64(i, 3)});
  }
  co_return out;
}

Awaitable<Status> PgStore::EventsDelivered(const std::vector<int64_t>& ids) {
  if (ids.empty()) co_return Status::Ok();
  auto rows = co_await Exec("DELETE FROM events WHERE id = ANY($1::bigint[])",
                            pg::Params().Add(pg::BigintArray(ids)));
  co_return rows.status();
}

Awaitable<Status> PgStore::EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) {
  auto rows = co_await Exec("UPDATE events SET attempts = $2, next_attempt_ms = $3 WHERE id = $1",
                            pg::Params().Add(id).Add(attempts).Add(next_attempt_ms));
  if (!rows.ok()) co_return rows.status();
  if (rows->affected() == 0) co_return Status::NotFound("no such event");
  co_return Status::Ok();
}

Awaitable<Result<int64_t>> PgStore::NextEventDue() {
  auto rows = co_await Exec("SELECT coalesce(min(next_attempt_ms), 0) FROM events");
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

Awaitable<Result<OutboxBacklog>> PgStore::Backlog() {
  // The oldest by id (the primary key; ids follow creation).
  auto rows = co_await Exec(
      "SELECT count(*), coalesce((SELECT created_at FROM events ORDER BY id LIMIT 1), 0) FROM events");
  if (!rows.ok()) co_return rows.status();
  co_return OutboxBacklog{rows->Int64(0, 0), rows->Int64(0, 1)};
}

Awaitable<Status> PgStore::ProbeWrite() {
  // The schema version's one row written over with itself: a new row
  // version and WAL, so a read-only transaction, a standby or a full disk
  // fails it; nothing changes. Instances probing at once wait on the row
  // lock for a moment only.
  auto rows = co_await Exec("UPDATE schema_version SET version = version");
  if (!rows.ok()) co_return rows.status();
  co_return Status::Ok();
}

}  // namespace tgate::store
