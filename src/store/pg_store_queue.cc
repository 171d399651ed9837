// PgStore: the durable message queue (Enqueue, LoadQueued, Complete, ...).
// The dispatcher's hot paths: Enqueue is one statement (with its NOTIFY),
// and Complete/WriteOutcomes one pipeline for a whole batch.
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/status_macros.h"
#include "pg/array_literal.h"
#include "store/idempotency_replay.h"
#include "store/pg_bulk_bindings.h"
#include "store/pg_store.h"
#include "store/sqlite_codes.h"
#include "store/store_validation.h"

namespace tgate::store {
namespace {

// A broadcast's messages keep text/options_json NULL and read the broadcast's.
// Whether its chat is bound to a user who blocked the bot (status 1,
// UserStatus::kBlocked): one index-only probe of bindings_by_status a row
// (Message::chat_blocked). LATERAL, because an EXISTS in the select list
// becomes, for a load of many rows, a hash of every blocked binding made by
// a scan of the whole table (EXPLAIN, 200,000 bindings, a load of 20,000).
#define TGATE_PG_SELECT_MESSAGE                                                             \
  "SELECT m.id, m.bot, m.site_user, m.chat_id, coalesce(m.text, b.text, ''), "              \
  "coalesce(m.options_json, b.options_json, ''), m.priority, coalesce(m.broadcast_id, 0), " \
  "m.paid, m.status, m.attempts, m.parts_sent, m.not_before_ms, m.telegram_message_id, "    \
  "m.error, m.created_at, m.updated_at, coalesce(m.expires_at_ms, b.expires_at_ms, 0), "    \
  "m.parts, c.blocked IS NOT NULL "                                                         \
  "FROM messages m LEFT JOIN broadcasts b ON b.id = m.broadcast_id "                        \
  "LEFT JOIN LATERAL (SELECT true AS blocked FROM bindings u WHERE u.bot = m.bot "          \
  "AND u.status = 1 AND u.chat_id = m.chat_id LIMIT 1) c ON true "

Message ReadMessage(const pg::Rows& rows, int i) {
  Message m;
  m.id = rows.Int64(i, 0);
  m.bot = std::string(rows.Text(i, 1));
  m.user = std::string(rows.Text(i, 2));
  m.chat_id = rows.Int64(i, 3);
  m.text = std::string(rows.Text(i, 4));
  m.options_json = std::string(rows.Text(i, 5));
  m.priority = PriorityOf(rows.Int64(i, 6));
  m.broadcast_id = rows.Int64(i, 7);
  m.paid = rows.Int64(i, 8) != 0;
  m.status = MessageStatusOf(rows.Int64(i, 9));
  m.attempts = static_cast<int>(rows.Int64(i, 10));
  m.parts_sent = static_cast<int>(rows.Int64(i, 11));
  m.not_before_ms = rows.Int64(i, 12);
  m.telegram_message_id = rows.Int64(i, 13);
  m.error = std::string(rows.Text(i, 14));
  m.created_at = rows.Int64(i, 15);
  m.updated_at = rows.Int64(i, 16);
  m.expires_at_ms = rows.Int64(i, 17);
  m.parts = static_cast<int>(rows.Int64(i, 18));
  m.chat_blocked = rows.Bool(i, 19);
  return m;
}

// The rows of a queue load, ending before the first row never tried that is
// not due by due_by_ms (see ReadQueued in sqlite_store_queue.cc for why a
// retry's backoff is not an end).
std::vector<Message> ReadQueued(const pg::Rows& rows, int64_t due_by_ms) {
  std::vector<Message> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    Message m = ReadMessage(rows, i);
    if (m.not_before_ms > due_by_ms && m.attempts == 0) break;
    out.push_back(std::move(m));
  }
  return out;
}

pg::Params& AddOptionalText(pg::Params& params, std::string_view text) {
  return text.empty() ? params.AddNull() : params.Add(text);
}

}  // namespace

Awaitable<Result<Enqueued>> PgStore::Enqueue(const NewMessage& message) {
  TGATE_CO_RETURN_IF_ERROR(ValidateNewMessage(message));
  // The binding read and the insert in one transaction.
  if (AddressedByBinding(message) && tx_ == nullptr) {
    auto one = co_await EnqueueMany(std::span<const NewMessage>(&message, 1));
    if (!one.ok()) co_return one.status();
    co_return std::move(one->front());
  }
  int64_t chat_id = message.chat_id;
  if (AddressedByBinding(message)) {
    // FOR SHARE: an unlink or a block on another instance waits for this
    // transaction's end, so the message is stored only while its binding stands.
    auto rows =
        co_await Exec("SELECT chat_id, status FROM bindings WHERE bot = $1 AND site_user = $2 FOR SHARE",
                      pg::Params().Add(message.bot).Add(message.user));
    if (!rows.ok()) co_return rows.status();
    Result<Binding> binding = Status::NotFound("user is not linked");
    if (!rows->empty()) {
      Binding b;
      b.chat_id = rows->Int64(0, 0);
      b.status = UserStatusOf(rows->Int64(0, 1));
      binding = std::move(b);
    }
    auto addressed = AddressedChat(message.user, binding);
    if (!addressed.ok()) co_return co_await ReplayOrRefusal(*this, message, addressed.status());
    chat_id = *addressed;
  }
  // One statement: a group's chat id follows its migration (chains are
  // compressed by MoveChat: one step), the unique index (bot,
  // idempotency_key) decides between two requests with one key on any
  // instance (the loser gets no row and answers from the winner's), and the
  // bot's owner is notified only when a message was really added.
  pg::Params params;
  params.Add(message.bot);
  AddOptionalText(params, message.user);
  params.Add(chat_id).Add(message.text).Add(message.options_json).Add(PriorityInt(message.priority));
  AddOptionalText(params, message.idempotency_key);
  AddOptionalText(params, message.idempotency_fingerprint);
  params.Add(NowSeconds());
  if (message.expires_at_ms > 0)
    params.Add(message.expires_at_ms);
  else
    params.AddNull();
  static const std::string kInsert =
      "WITH ins AS (INSERT INTO messages (bot, site_user, chat_id, text, options_json, priority, status, "
      "idempotency_key, idempotency_fingerprint, created_at, updated_at, expires_at_ms) "
      "VALUES ($1, $2, CASE WHEN $3::bigint < 0 THEN coalesce((SELECT new_chat_id FROM chat_migrations "
      "WHERE bot = $1 AND old_chat_id = $3::bigint), $3::bigint) ELSE $3::bigint END, "
      "$4, $5, $6::smallint, 0, $7, $8, $9::bigint, $9::bigint, $10::bigint) "
      "ON CONFLICT (bot, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id, bot) "
      "SELECT id, pg_notify('" +
      std::string(kQueueChannel) + "', bot) FROM ins";
  auto rows = co_await Exec(kInsert, std::move(params));
  if (!rows.ok()) co_return rows.status();
  if (!rows->empty()) co_return Enqueued{rows->Int64(0, 0), false};
  auto prior = co_await FindMessageByIdempotencyKey(message.bot, message.idempotency_key,
                                                    message.idempotency_fingerprint);
  co_return ReplayedEnqueue(prior);
}

// A run of messages addressed by their users' bindings (TakesTheHotPath),
// in one statement: one round trip where each message took two (its
// binding's read, its insert), which on a server a network hop away is what
// limits a batch. Each message's id is drawn in the run's order before any is
// inserted, so a chat's messages keep their order; a message goes in only if
// its user is linked, active, in a private chat, and its idempotency key is
// free (the bindings read FOR SHARE, as Enqueue reads each: an unlink or a
// block on another instance waits for this transaction). The others get 0:
// Enqueue says why, or answers a retry.
Awaitable<Result<std::vector<int64_t>>> PgStore::InsertRun(std::span<const NewMessage> messages) {
  std::vector<std::string> bots, users, texts, options, keys, fingerprints;
  std::vector<int64_t> priorities, expires;
  for (const NewMessage& m : messages) {
    bots.push_back(m.bot);
    users.push_back(m.user);
    texts.push_back(m.text);
    options.push_back(m.options_json);
    keys.push_back(m.idempotency_key);
    fingerprints.push_back(m.idempotency_fingerprint);
    priorities.push_back(PriorityInt(m.priority));
    expires.push_back(std::max<int64_t>(m.expires_at_ms, 0));
  }
  auto rows = co_await Exec(pg_bulk_bindings::InsertRunSql(), pg::Params()
                                                                  .Add(pg::TextArray(bots))
                                                                  .Add(pg::TextArray(users))
                                                                  .Add(pg::TextArray(texts))
                                                                  .Add(pg::TextArray(options))
                                                                  .Add(pg::BigintArray(priorities))
                                                                  .Add(pg::TextArray(keys))
                                                                  .Add(pg::TextArray(fingerprints))
                                                                  .Add(pg::BigintArray(expires))
                                                                  .Add(NowSeconds()));
  if (!rows.ok()) co_return rows.status();
  std::vector<int64_t> ids(messages.size(), 0);
  for (int i = 0; i < rows->size(); ++i) {
    const int64_t ord = rows->Int64(i, 0);
    if (ord < 1 || ord > static_cast<int64_t>(ids.size()))
      co_return Status::Internal("a run's insert answered for message " + std::to_string(ord) + " of " +
                                 std::to_string(ids.size()));
    ids[ord - 1] = rows->Int64(i, 1);
  }
  co_return ids;
}

// One transaction for the batch. A message refused on its own (invalid: no
// statement ran; a conflicting key: the insert did nothing) is answered and
// the others go on; a statement error aborts the transaction, and the batch.
// Runs of messages addressed by their bindings go in one statement each
// (InsertRun); a message it left out, and any other, goes through Enqueue.
Awaitable<Result<std::vector<Result<Enqueued>>>> PgStore::EnqueueMany(std::span<const NewMessage> messages) {
  std::vector<Result<Enqueued>> out;
  out.reserve(messages.size());
  if (messages.empty()) co_return out;
  Status s = co_await Atomically([&](PgStore& tx) -> Awaitable<Status> {
    out.clear();
    auto one = [&](const NewMessage& message) -> Awaitable<Status> {
      auto enqueued = co_await tx.Enqueue(message);
      if (!enqueued.ok() && (tx.tx_failed_ || !RefusesOnlyTheMessage(enqueued.status())))
        co_return enqueued.status();
      out.push_back(std::move(enqueued));
      co_return Status::Ok();
    };
    for (size_t i = 0; i < messages.size();) {
      size_t run = 0;
      while (i + run < messages.size() && TakesTheHotPath(messages[i + run])) ++run;
      if (run < 2) {
        TGATE_CO_RETURN_IF_ERROR(co_await one(messages[i]));
        ++i;
        continue;
      }
      auto ids = co_await tx.InsertRun(messages.subspan(i, run));
      if (!ids.ok()) co_return ids.status();
      for (size_t k = 0; k < run; ++k) {
        if ((*ids)[k] != 0) {
          out.emplace_back(Enqueued{.id = (*ids)[k], .existed = false});
        } else {
          TGATE_CO_RETURN_IF_ERROR(co_await one(messages[i + k]));
        }
      }
      i += run;
    }
    co_return Status::Ok();
  });
  if (!s.ok()) co_return s;
  co_return out;
}

Awaitable<Result<int64_t>> PgStore::FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                                                std::string_view fingerprint) {
  if (key.empty()) co_return Status::NotFound("no idempotency key");
  auto rows = co_await Exec(
      "SELECT id, idempotency_fingerprint FROM messages WHERE bot = $1 AND idempotency_key = $2",
      pg::Params().Add(bot).Add(key));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("no message with this idempotency key");
  const int64_t id = rows->Int64(0, 0);
  TGATE_CO_RETURN_IF_ERROR(CheckIdempotentReplay("message", id, key, rows->Text(0, 1), fingerprint));
  co_return id;
}

Awaitable<Result<Message>> PgStore::GetMessage(int64_t id) {
  auto rows = co_await Exec(TGATE_PG_SELECT_MESSAGE "WHERE m.id = $1", pg::Params().Add(id));
  if (!rows.ok()) co_return rows.status();
  if (rows->empty()) co_return Status::NotFound("no such message");
  co_return ReadMessage(*rows, 0);
}

Awaitable<Result<std::vector<Message>>> PgStore::RecentFailures(std::string_view bot, size_t limit,
                                                                int64_t scan) {
  // As SqliteStore's: status 2 = failed, within the newest `scan` ids.
  auto rows = co_await Exec(TGATE_PG_SELECT_MESSAGE
                            "WHERE m.id > (SELECT coalesce(max(id), 0) FROM messages) - $3 "
                            "AND m.bot = $1 AND m.status = 2 ORDER BY m.id DESC LIMIT $2",
                            pg::Params().Add(bot).Add(static_cast<int64_t>(limit)).Add(scan));
  if (!rows.ok()) co_return rows.status();
  std::vector<Message> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(ReadMessage(*rows, i));
  co_return out;
}

Awaitable<Result<std::vector<Message>>> PgStore::LoadQueued(std::string_view bot, Priority priority,
                                                            int64_t after_id, size_t limit) {
  auto rows = co_await Exec(
      priority == Priority::kDirect ? TGATE_PG_SELECT_MESSAGE
          "WHERE m.bot = $1 AND m.priority = $2 AND m.broadcast_id IS NULL AND "
          "m.status = 0 AND m.id > $3 ORDER BY m.id LIMIT $4"
                                    : TGATE_PG_SELECT_MESSAGE
          "WHERE m.bot = $1 AND m.priority = $2 AND m.status = 0 AND m.id > $3 "
          "ORDER BY m.id LIMIT $4",
      pg::Params().Add(bot).Add(PriorityInt(priority)).Add(after_id).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) co_return rows.status();
  co_return ReadQueued(*rows, INT64_MAX);
}

Awaitable<Result<std::vector<Message>>> PgStore::LoadBroadcastQueued(std::string_view bot,
                                                                     int64_t broadcast_id, int64_t after_id,
                                                                     int64_t due_by_ms, size_t limit) {
  auto rows =
      co_await Exec(TGATE_PG_SELECT_MESSAGE
                    "WHERE m.bot = $1 AND m.priority = 1 AND m.broadcast_id = $2 AND m.status = 0 "
                    "AND m.id > $3 ORDER BY m.id LIMIT $4",
                    pg::Params().Add(bot).Add(broadcast_id).Add(after_id).Add(static_cast<int64_t>(limit)));
  if (!rows.ok()) co_return rows.status();
  co_return ReadQueued(*rows, due_by_ms);
}

std::vector<pg::Statement> PgStore::CompleteStatements(const std::vector<Completion>& completions) const {
  std::vector<pg::Statement> statements;
  if (completions.empty()) return statements;
  std::vector<int64_t> ids;
  ids.reserve(completions.size());
  for (const Completion& c : completions) ids.push_back(c.id);
  if (!shared_->fences.empty()) {
    // First, in the same transaction: every fenced bot with a message in the
    // batch must still be ours at our epoch (tgate_fence raises TG001
    // otherwise, which aborts the whole batch). FOR SHARE in tgate_fence
    // holds the lease row until commit, so a takeover waits for this batch.
    std::vector<std::string> bots, owners;
    std::vector<int64_t> epochs;
    for (const auto& [bot, fence] : shared_->fences) {
      bots.push_back(bot);
      owners.push_back(fence.owner);
      epochs.push_back(fence.epoch);
    }
    statements.push_back(
        {"SELECT tgate_fence(f.bot, f.owner, f.epoch) FROM unnest($1::text[], $2::text[], $3::bigint[]) "
         "AS f(bot, owner, epoch) WHERE EXISTS (SELECT 1 FROM messages m WHERE m.id = ANY($4::bigint[]) "
         "AND m.bot = f.bot)",
         pg::Params()
             .Add(pg::TextArray(bots))
             .Add(pg::TextArray(owners))
             .Add(pg::BigintArray(epochs))
             .Add(pg::BigintArray(ids))});
  }
  // As SqliteStore::Complete: a retry (status queued) never revives a
  // message cancelled or failed meanwhile; a final outcome always lands and
  // moves its broadcast's counts from the status it had (read under the
  // row's lock). Unknown ids are ignored.
  const int64_t now = NowSeconds();
  std::vector<int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) {
    // The whole batch in one statement (one plan, rows locked in id order):
    // the completions go as arrays.
    std::vector<int64_t> statuses, attempts, parts, not_before, telegram_ids, split;
    std::vector<std::string> errors;
    for (const Completion& c : completions) {
      statuses.push_back(MessageStatusInt(c.status));
      attempts.push_back(c.attempts);
      parts.push_back(c.parts_sent);
      split.push_back(c.parts);
      not_before.push_back(c.not_before_ms);
      telegram_ids.push_back(c.telegram_message_id);
      errors.push_back(c.error);
    }
    pg::Params params;
    params.Add(pg::BigintArray(ids)).Add(pg::BigintArray(statuses)).Add(pg::BigintArray(attempts));
    params.Add(pg::BigintArray(parts)).Add(pg::BigintArray(not_before)).Add(pg::BigintArray(telegram_ids));
    params.Add(pg::TextArray(errors)).Add(now).Add(pg::BigintArray(split));
    statements.push_back(
        {"WITH c AS (SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::integer[], $4::integer[], "
         "$5::bigint[], $6::bigint[], $7::text[], $9::integer[]) AS c(id, status, attempts, parts_sent, "
         "not_before_ms, telegram_message_id, error, parts)), "
         "old AS (SELECT m.id, m.status, m.broadcast_id FROM messages m JOIN c ON c.id = m.id "
         "ORDER BY m.id FOR UPDATE OF m), "
         "upd AS (UPDATE messages m SET status = c.status, attempts = c.attempts, parts_sent = c.parts_sent, "
         "not_before_ms = c.not_before_ms, telegram_message_id = c.telegram_message_id, "
         "error = nullif(c.error, ''), updated_at = $8::bigint, parts = greatest(m.parts, c.parts) "
         "FROM c JOIN old ON old.id = c.id "
         "WHERE m.id = c.id AND NOT (c.status = 0 AND old.status <> 0) "
         "RETURNING old.status AS was, c.status AS now, old.broadcast_id AS bid) "
         "UPDATE broadcasts b SET n_sent = n_sent + d.sent, n_failed = n_failed + d.failed, "
         "n_cancelled = n_cancelled + d.cancelled FROM (SELECT bid, "
         "sum((now = 1)::int - (was = 1)::int) AS sent, sum((now = 2)::int - (was = 2)::int) AS failed, "
         "sum((now = 3)::int - (was = 3)::int) AS cancelled FROM upd WHERE bid IS NOT NULL AND was <> now "
         "GROUP BY bid) d WHERE b.id = d.bid",
         std::move(params)});
    return statements;
  }
  // One id twice in a batch: one statement per completion, in order, so the
  // later sees what the earlier wrote (as SQLite's loop does).
  for (const Completion& c : completions) {
    pg::Params params;
    params.Add(c.id).Add(MessageStatusInt(c.status)).Add(c.attempts).Add(c.parts_sent).Add(c.not_before_ms);
    params.Add(c.telegram_message_id);
    AddOptionalText(params, c.error);
    params.Add(now).Add(c.parts);
    statements.push_back(
        {"WITH old AS (SELECT id, status, broadcast_id FROM messages WHERE id = $1::bigint FOR UPDATE), "
         "upd AS (UPDATE messages m SET status = $2::smallint, attempts = $3::integer, "
         "parts_sent = $4::integer, not_before_ms = $5::bigint, telegram_message_id = $6::bigint, "
         "error = $7::text, updated_at = $8::bigint, parts = greatest(m.parts, $9::integer) "
         "FROM old WHERE m.id = old.id "
         "AND NOT ($2::smallint = 0 AND old.status <> 0) RETURNING old.status AS was, old.broadcast_id AS "
         "bid) "
         "UPDATE broadcasts b SET "
         "n_sent = n_sent + ($2::smallint = 1)::int - (upd.was = 1)::int, "
         "n_failed = n_failed + ($2::smallint = 2)::int - (upd.was = 2)::int, "
         "n_cancelled = n_cancelled + ($2::smallint = 3)::int - (upd.was = 3)::int "
         "FROM upd WHERE b.id = upd.bid AND upd.was <> $2::smallint",
         std::move(params)});
  }
  return statements;
}

Awaitable<Status> PgStore::Complete(const std::vector<Completion>& completions) {
  if (completions.empty()) co_return Status::Ok();
  auto done = co_await ExecPipeline(CompleteStatements(completions));
  co_return done.status();
}

Awaitable<Status> PgStore::WriteOutcomes(const std::vector<Completion>& completions,
                                         const std::vector<ClosedChat>& closed,
                                         const std::vector<std::string>& events, int64_t now_ms) {
  // One pipeline: the outcomes (behind their fences), the chats they closed
  // and the events they raise, in one round trip and one transaction.
  std::vector<pg::Statement> statements = CompleteStatements(completions);
  for (const ClosedChat& c : closed) {
    statements.push_back({"UPDATE bindings SET status = $3 WHERE bot = $1 AND chat_id = $2",
                          pg::Params().Add(c.bot).Add(c.chat_id).Add(UserStatusInt(c.status))});
  }
  if (!events.empty()) {  // in one statement, which notifies (pg_event_run.h)
    std::vector<PgEventRow> rows(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      rows[i].head = events[i];
      rows[i].now_ms = now_ms;
    }
    statements.push_back(InsertEvents(rows, kEventsChannel));
  }
  if (statements.empty()) co_return Status::Ok();
  auto done = co_await ExecPipeline(std::move(statements));
  co_return done.status();
}

Awaitable<Result<std::vector<GroupSend>>> PgStore::RecentGroupSends(std::string_view bot, int64_t since_s) {
  // Served by the partial index messages_group_sends.
  auto rows = co_await Exec(
      "SELECT chat_id, updated_at, parts_sent FROM messages "
      "WHERE bot = $1 AND chat_id < 0 AND parts_sent > 0 AND updated_at >= $2 ORDER BY updated_at",
      pg::Params().Add(bot).Add(since_s));
  if (!rows.ok()) co_return rows.status();
  std::vector<GroupSend> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({rows->Int64(i, 0), rows->Int64(i, 1), static_cast<int>(rows->Int64(i, 2))});
  }
  co_return out;
}

Awaitable<Result<int64_t>> PgStore::LastMessageId() {
  auto rows = co_await Exec("SELECT coalesce(max(id), 0) FROM messages");
  if (!rows.ok()) co_return rows.status();
  co_return rows->Int64(0, 0);
}

}  // namespace tgate::store
