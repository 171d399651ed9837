// SqliteStore: the durable message queue (Enqueue, LoadQueued, Complete, ...).
// These are the dispatcher's hot paths: each is one cached statement, and
// Complete writes a whole batch in one transaction.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "core/status_macros.h"
#include "store/idempotency_replay.h"
#include "store/sqlite_codes.h"
#include "store/sqlite_store.h"
#include "store/store_validation.h"

namespace tgate::store {
namespace {

// The columns ReadMessage reads, in its order, all but four given: the text,
// options and expiry (a broadcast's messages keep them NULL and take the
// broadcast's) and whether the chat is blocked.
#define TGATE_MESSAGE_COLUMNS(text, options_json, expires_at_ms, chat_blocked)                            \
  "SELECT m.id, m.bot, m.user, m.chat_id, " text ", " options_json                                        \
  ", m.priority, "                                                                                        \
  "coalesce(m.broadcast_id, 0), m.paid, m.status, m.attempts, m.parts_sent, m.not_before_ms, "            \
  "m.telegram_message_id, m.error, m.created_at, m.updated_at, " expires_at_ms ", m.parts, " chat_blocked \
  " "
// Any message, its broadcast joined for what it keeps NULL. Whether its
// chat is bound to a user who blocked the bot (status 1,
// UserStatus::kBlocked): one probe of bindings_by_chat, which covers it and
// compares the chat id first (Message::chat_blocked; migrations.cc Version
// 16). The planner would take the unique (bot, chat_id) index instead, and
// then the row for its status: two.
#define TGATE_SELECT_MESSAGE_FROM(messages)                                                             \
  TGATE_MESSAGE_COLUMNS("coalesce(m.text, b.text, '')", "coalesce(m.options_json, b.options_json, '')", \
                        "coalesce(m.expires_at_ms, b.expires_at_ms, 0)",                                \
                        "EXISTS (SELECT 1 FROM bindings u INDEXED BY bindings_by_chat "                 \
                        "WHERE u.bot = m.bot AND u.status = 1 AND u.chat_id = m.chat_id)")              \
  "FROM " messages " LEFT JOIN broadcasts b ON b.id = m.broadcast_id "
#define TGATE_SELECT_MESSAGE TGATE_SELECT_MESSAGE_FROM("messages m")
// A broadcast's own rows, with nothing joined or probed: text, options and
// expiry as the row holds them (NULL: the broadcast's, which the caller
// reads once; BroadcastShared), and whether the chat is blocked left to
// MarkBlockedChats (0 here).
#define TGATE_SELECT_BROADCAST_MESSAGE_FROM(messages) \
  TGATE_MESSAGE_COLUMNS("m.text", "m.options_json", "m.expires_at_ms", "0") "FROM " messages " "

Message ReadMessage(const SqliteStatement& st) {
  Message m;
  m.id = st.Int64(0);
  m.bot = st.Text(1);
  m.user = st.Text(2);
  m.chat_id = st.Int64(3);
  m.text = st.Text(4);
  m.options_json = st.Text(5);
  m.priority = PriorityOf(st.Int64(6));
  m.broadcast_id = st.Int64(7);
  m.paid = st.Int64(8) != 0;
  m.status = MessageStatusOf(st.Int64(9));
  m.attempts = static_cast<int>(st.Int64(10));
  m.parts_sent = static_cast<int>(st.Int64(11));
  m.not_before_ms = st.Int64(12);
  m.telegram_message_id = st.Int64(13);
  m.error = st.Text(14);
  m.created_at = st.Int64(15);
  m.updated_at = st.Int64(16);
  m.expires_at_ms = st.Int64(17);
  m.parts = static_cast<int>(st.Int64(18));
  m.chat_blocked = st.Int64(19) != 0;
  return m;
}

// The rows of a queue load (TGATE_SELECT_MESSAGE, at most `limit`), ending
// before the first row never tried that is not due by due_by_ms. Such a row
// holds its schedule, monotone in id within a broadcast, so all after it are
// later too and the read can stop. A row already tried (attempts > 0) was due
// once: a not_before past due_by_ms is a retry's backoff, not the schedule,
// and stopping there would hold back every later row until that retry came
// due (after a restart, when the load starts at the broadcast's first row).
// It is returned with the rest: the dispatcher holds it until its not_before,
// as it would have had it kept the message in memory.
// What a broadcast's messages take from it where their own column is NULL
// (FillBroadcasts writes them so): what the LEFT JOIN of
// TGATE_SELECT_MESSAGE coalesces, read once per load instead of per row.
struct BroadcastShared {
  std::string text;
  std::string options_json;
  int64_t expires_at_ms = 0;
};

// A row of TGATE_SELECT_BROADCAST_MESSAGE_FROM, completed from `shared`.
Message ReadBroadcastMessage(const SqliteStatement& st, const BroadcastShared& shared) {
  Message m = ReadMessage(st);
  if (st.IsNull(4)) m.text = shared.text;
  if (st.IsNull(5)) m.options_json = shared.options_json;
  if (st.IsNull(17)) m.expires_at_ms = shared.expires_at_ms;
  return m;
}

Result<std::vector<Message>> ReadQueued(SqliteStatement& st, size_t limit, int64_t due_by_ms,
                                        const BroadcastShared* shared = nullptr) {
  std::vector<Message> out;
  out.reserve(std::min<size_t>(limit, 1024));
  for (;;) {
    TGATE_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    Message m = shared ? ReadBroadcastMessage(st, *shared) : ReadMessage(st);
    if (m.not_before_ms > due_by_ms && m.attempts == 0) break;
    out.push_back(std::move(m));
  }
  st.Reset();  // it may stop early: end the read
  return out;
}

// Sets chat_blocked on the rows of one bot's broadcast (all sent by `bot`)
// whose chat is bound to a user who blocked the bot, as the EXISTS of
// TGATE_SELECT_MESSAGE does. Such rows come in chat id order (FillBroadcasts
// walks the bindings so), so the blocked chats among them are read in one
// walk of bindings_by_status (bot, status, chat_id) over their chat ids
// (`in_range`), not probed row by row: a probe cost about 2,000
// instructions a row (callgrind, a scratch program on 3,000 bindings).
// Should the walk meet more blocked chats than there are rows (rows spread
// over a wide range of chat ids), it stops there and each row's chat is
// probed instead (`probe`): never more than twice the rows are read.
Status MarkBlockedChats(SqliteStatement& in_range, SqliteStatement& probe, std::string_view bot,
                        std::vector<Message>& rows) {
  if (rows.empty()) return Status::Ok();
  const auto [lo, hi] = std::minmax_element(
      rows.begin(), rows.end(), [](const Message& a, const Message& b) { return a.chat_id < b.chat_id; });
  in_range.Bind(1, bot)
      .Bind(2, lo->chat_id)
      .Bind(3, hi->chat_id)
      .Bind(4, static_cast<int64_t>(rows.size() + 1));
  std::vector<int64_t> blocked;  // ascending: the index's order
  for (;;) {
    TGATE_ASSIGN_OR_RETURN(auto row, in_range.Step());
    if (!row) break;
    blocked.push_back(in_range.Int64(0));
  }
  in_range.Reset();
  if (blocked.size() <= rows.size()) {
    for (Message& m : rows) m.chat_blocked = std::binary_search(blocked.begin(), blocked.end(), m.chat_id);
    return Status::Ok();
  }
  for (Message& m : rows) {
    probe.Bind(1, bot).Bind(2, m.chat_id);
    TGATE_ASSIGN_OR_RETURN(m.chat_blocked, probe.Step());
    probe.Reset();
  }
  return Status::Ok();
}

// Binds what every insert of a new message takes from `message`: parameters
// base + 1 to base + 10, all but base + 3 (Enqueue's chat; the id in
// InsertRows' rows).
void BindNewMessage(SqliteStatement& insert, const NewMessage& message, int64_t now_seconds, int base = 0) {
  insert.Bind(base + 1, message.bot).BindOptional(base + 2, message.user);
  insert.Bind(base + 4, message.text).Bind(base + 5, message.options_json);
  insert.Bind(base + 6, PriorityInt(message.priority)).BindOptional(base + 7, message.idempotency_key);
  insert.Bind(base + 8, now_seconds).BindOptional(base + 9, message.idempotency_fingerprint);
  if (message.expires_at_ms > 0)
    insert.Bind(base + 10, message.expires_at_ms);
  else
    insert.BindNull(base + 10);
}

constexpr int kParamsPerRow = 10;

// The hot path of Enqueue for `rows` messages in one statement, each row's
// parameters numbered as BindNewMessage's from base (row * 10), its id given.
std::string InsertRowsSql(size_t rows) {
  std::string sql =
      "INSERT OR IGNORE INTO messages (id, bot, user, chat_id, text, options_json, priority, status, "
      "idempotency_key, idempotency_fingerprint, created_at, updated_at, expires_at_ms) VALUES ";
  for (size_t row = 0; row < rows; ++row) {
    auto p = [&](int n) { return "?" + std::to_string(static_cast<int>(row) * kParamsPerRow + n); };
    if (row > 0) sql += ", ";
    sql += "(" + p(3) + ", " + p(1) + ", " + p(2) + ", (SELECT chat_id FROM bindings WHERE bot = " + p(1) +
           " AND user = " + p(2) + " AND status = 0 AND chat_id > 0), " + p(4) + ", " + p(5) + ", " + p(6) +
           ", 0, " + p(7) + ", " + p(9) + ", " + p(8) + ", " + p(8) + ", " + p(10) + ")";
  }
  return sql;
}

}  // namespace

Awaitable<Result<Enqueued>> SqliteStore::Enqueue(const NewMessage& message) {
  TGATE_CO_RETURN_IF_ERROR(ValidateNewMessage(message));
  if (AddressedByBinding(message) && transactions_.depth() == 0) {
    // The binding read and the insert in one transaction: an unlink or a
    // block by another connection cannot fall between them.
    TGATE_CO_ASSIGN_OR_RETURN(auto one, co_await EnqueueMany(std::span<const NewMessage>(&message, 1)));
    co_return std::move(one.front());
  }
  const int64_t now_seconds = NowSeconds();
  if (AddressedByBinding(message)) {
    // The hot path, one statement: the insert reads the chat from the
    // binding itself when the user is linked and active, in a private chat
    // (nothing to resolve) and the key is free. Otherwise the chat is NULL or
    // the key taken, OR IGNORE skips the row, and the steps below say why or
    // answer a retry (their insert reports any other violation). One row of
    // VALUES, not INSERT ... SELECT: that would be a multi-row statement,
    // which with foreign keys on gets a statement journal of its own. One
    // statement where there were two: ~3,800 fewer instructions a message
    // (callgrind).
    TGATE_CO_ASSIGN_OR_RETURN(
        auto insert,
        Prepare("INSERT OR IGNORE INTO messages (bot, user, chat_id, text, options_json, priority, status, "
                "idempotency_key, idempotency_fingerprint, created_at, updated_at, expires_at_ms) "
                "VALUES (?1, ?2, (SELECT chat_id FROM bindings "
                "WHERE bot = ?1 AND user = ?2 AND status = 0 AND chat_id > 0), "
                "?4, ?5, ?6, 0, ?7, ?9, ?8, ?8, ?10)"));
    BindNewMessage(insert, message, now_seconds);
    TGATE_CO_RETURN_IF_ERROR(insert.Run());
    if (insert.Changes() == 1) co_return Enqueued{sqlite3_last_insert_rowid(db_), false};
  }
  int64_t chat_id = message.chat_id;
  if (AddressedByBinding(message)) {
    auto binding = co_await GetBinding(message.bot, message.user);
    auto addressed = AddressedChat(message.user, binding);
    if (!addressed.ok()) co_return co_await ReplayOrRefusal(*this, message, addressed.status());
    chat_id = *addressed;
  }
  // Only groups migrate (to a supergroup), and group ids are negative: a
  // private chat's message (the hot path) skips the lookup.
  if (chat_id < 0) {
    TGATE_CO_ASSIGN_OR_RETURN(auto resolved, ResolveChat(message.bot, chat_id));
    chat_id = resolved;
  }
  // The unique index (bot, idempotency_key) decides between two requests with
  // one key, on this connection or another: the loser's insert changes no
  // row, and it answers from the winner's. (Not RETURNING: SQLite runs such a
  // statement into a temporary table of its own first.)
  TGATE_CO_ASSIGN_OR_RETURN(
      auto insert,
      Prepare("INSERT INTO messages (bot, user, chat_id, text, options_json, priority, status, "
              "idempotency_key, idempotency_fingerprint, created_at, updated_at, expires_at_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?9, ?8, ?8, ?10) "
              "ON CONFLICT (bot, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"));
  BindNewMessage(insert, message, now_seconds);
  insert.Bind(3, chat_id);
  TGATE_CO_RETURN_IF_ERROR(insert.Run());
  // The last rowid is the connection's, read before any other statement
  // runs on it (the store is confined to one thread; no trigger is on messages).
  if (insert.Changes() == 1) co_return Enqueued{sqlite3_last_insert_rowid(db_), false};
  auto prior = co_await FindMessageByIdempotencyKey(message.bot, message.idempotency_key,
                                                    message.idempotency_fingerprint);
  co_return ReplayedEnqueue(prior);
}

// One transaction for the batch. Each message is written by one INSERT
// (SQLite undoes a failed statement by itself), so a message refused on its
// own leaves the others' writes in place; any other error rolls the whole
// batch back. Runs of messages on the hot path share an INSERT of up to
// kMaxRowsPerInsert rows (InsertRows); a row it skipped, and any other
// message, goes through Enqueue.
Awaitable<Result<std::vector<Result<Enqueued>>>> SqliteStore::EnqueueMany(
    std::span<const NewMessage> messages) {
  std::vector<Result<Enqueued>> out;
  out.reserve(messages.size());
  if (messages.empty()) co_return out;
  TGATE_CO_RETURN_IF_ERROR(transactions_.Begin());
  Status s;
  auto one = [&](const NewMessage& message) -> Awaitable<bool> {
    auto enqueued = co_await Enqueue(message);
    if (!enqueued.ok() && !RefusesOnlyTheMessage(enqueued.status())) {
      s = enqueued.status();
      co_return false;
    }
    out.push_back(std::move(enqueued));
    co_return true;
  };
  for (size_t i = 0; i < messages.size();) {
    size_t run = 0;
    while (i + run < messages.size() && run < kMaxRowsPerInsert && TakesTheHotPath(messages[i + run])) ++run;
    if (run < 2) {
      if (!co_await one(messages[i])) break;
      ++i;
      continue;
    }
    // A power of two: a few statements, each prepared once, serve any run.
    size_t rows = 2;
    while (rows * 2 <= run) rows *= 2;
    auto ids = InsertRows(messages.subspan(i, rows));
    if (!ids.ok()) {
      s = ids.status();
      break;
    }
    bool failed = false;
    for (size_t k = 0; k < rows && !failed; ++k) {
      if ((*ids)[k] != 0) {
        out.emplace_back(Enqueued{.id = (*ids)[k], .existed = false});
      } else {
        failed = !co_await one(messages[i + k]);
      }
    }
    if (failed) break;
    i += rows;
  }
  TGATE_CO_RETURN_IF_ERROR(transactions_.End(std::move(s)));
  co_return out;
}

Result<std::vector<int64_t>> SqliteStore::InsertRows(std::span<const NewMessage> messages) {
  if (messages.empty() || messages.size() > kMaxRowsPerInsert)
    return Status::Internal("InsertRows takes 1 to " + std::to_string(kMaxRowsPerInsert) + " messages, not " +
                            std::to_string(messages.size()));
  // The ids AUTOINCREMENT would give, in order: past the largest ever used
  // (sqlite_sequence) and the largest there is. The transaction holds the
  // write lock, so no other connection takes them meanwhile; a row skipped
  // leaves its id unused, as AUTOINCREMENT may.
  TGATE_ASSIGN_OR_RETURN(
      auto next, Prepare("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0), "
                         "coalesce((SELECT max(id) FROM messages), 0)) + 1"));
  TGATE_ASSIGN_OR_RETURN(auto row, next.Step());
  if (!row) return Status::Internal("reading the next message id returned no row");
  const int64_t first = next.Int64(0);
  next.Reset();
  static const std::array<std::string, kMaxRowsPerInsert + 1> kSql = [] {
    std::array<std::string, kMaxRowsPerInsert + 1> sql;
    for (size_t rows = 1; rows <= kMaxRowsPerInsert; ++rows) sql[rows] = InsertRowsSql(rows);
    return sql;
  }();
  TGATE_ASSIGN_OR_RETURN(auto insert, Prepare(kSql[messages.size()]));
  const int64_t now_seconds = NowSeconds();
  std::vector<int64_t> ids(messages.size());
  for (size_t k = 0; k < messages.size(); ++k) {
    const int base = static_cast<int>(k) * kParamsPerRow;
    BindNewMessage(insert, messages[k], now_seconds, base);
    ids[k] = first + static_cast<int64_t>(k);
    insert.Bind(base + 3, ids[k]);
  }
  TGATE_RETURN_IF_ERROR(insert.Run());
  if (static_cast<size_t>(insert.Changes()) == messages.size()) return ids;
  // Some rows were skipped: keep the ids that are there.
  TGATE_ASSIGN_OR_RETURN(auto present, Prepare("SELECT id FROM messages WHERE id BETWEEN ?1 AND ?2"));
  present.Bind(1, first).Bind(2, ids.back());
  TGATE_ASSIGN_OR_RETURN(auto kept, present.Int64Column());
  std::vector<int64_t> out(messages.size(), 0);
  for (int64_t id : kept) out[static_cast<size_t>(id - first)] = id;
  return out;
}

Awaitable<Result<int64_t>> SqliteStore::FindMessageByIdempotencyKey(std::string_view bot,
                                                                    std::string_view key,
                                                                    std::string_view fingerprint) {
  if (key.empty()) co_return Status::NotFound("no idempotency key");
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT id, idempotency_fingerprint FROM messages WHERE bot = ?1 AND idempotency_key = ?2"));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Bind(1, bot).Bind(2, key).Step());
  if (!row) co_return Status::NotFound("no message with this idempotency key");
  const int64_t id = st.Int64(0);
  const std::string first_fingerprint = st.Text(1);
  st.Reset();
  TGATE_CO_RETURN_IF_ERROR(CheckIdempotentReplay("message", id, key, first_fingerprint, fingerprint));
  co_return id;
}

Awaitable<Result<Message>> SqliteStore::GetMessage(int64_t id) {
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare(TGATE_SELECT_MESSAGE "WHERE m.id = ?1"));
  TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Bind(1, id).Step());
  if (!row) co_return Status::NotFound("no such message");
  co_return ReadMessage(st);
}

Awaitable<Result<std::vector<Message>>> SqliteStore::RecentFailures(std::string_view bot, size_t limit,
                                                                    int64_t scan) {
  // status 2 = failed; the id range keeps it to the newest `scan` rows (the
  // primary key), whatever the table's size.
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare(TGATE_SELECT_MESSAGE "WHERE m.id > (SELECT coalesce(max(id), 0) FROM messages) - ?3 "
                                            "AND m.bot = ?1 AND m.status = 2 ORDER BY m.id DESC LIMIT ?2"));
  st.Bind(1, bot).Bind(2, static_cast<int64_t>(limit)).Bind(3, scan);
  std::vector<Message> out;
  while (true) {
    TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    out.push_back(ReadMessage(st));
  }
  st.Reset();
  co_return out;
}

Awaitable<Result<std::vector<Message>>> SqliteStore::LoadQueued(std::string_view bot, Priority priority,
                                                                int64_t after_id, size_t limit) {
  // One-to-one messages are read in the order of their index,
  // messages_queued_direct (bot, priority, id), partial on status = 0 and no
  // broadcast. Broadcast messages are not in it: across broadcasts this walks
  // the table from after_id (a reference for tests; the dispatcher loads each
  // broadcast on its own, LoadBroadcastQueued).
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare(priority == Priority::kDirect ? TGATE_SELECT_MESSAGE
                           "WHERE m.bot = ?1 AND m.priority = ?2 AND m.broadcast_id IS NULL AND m.status = 0 "
                           "AND m.id > ?3 ORDER BY m.id LIMIT ?4"
                                                     : TGATE_SELECT_MESSAGE
                           "WHERE m.bot = ?1 AND m.priority = ?2 AND m.status = 0 AND m.id > ?3 "
                           "ORDER BY m.id LIMIT ?4"));
  st.Bind(1, bot).Bind(2, PriorityInt(priority)).Bind(3, after_id);
  st.Bind(4, static_cast<int64_t>(limit));
  co_return ReadQueued(st, limit, INT64_MAX);
}

Awaitable<Result<std::vector<Message>>> SqliteStore::LoadBroadcastQueued(std::string_view bot,
                                                                         int64_t broadcast_id,
                                                                         int64_t after_id, int64_t due_by_ms,
                                                                         size_t limit) {
  // The broadcast's text, options, expiry and queued_from are read once:
  // joined to each row, they cost about 1,200 instructions a message
  // (callgrind, a scratch program on a 3,000-recipient broadcast).
  TGATE_CO_ASSIGN_OR_RETURN(
      auto b, Prepare("SELECT text, options_json, coalesce(expires_at_ms, 0), queued_from FROM broadcasts "
                      "WHERE id = ?1"));
  b.Bind(1, broadcast_id);
  auto found = b.Step();
  if (!found.ok()) co_return found.status();
  BroadcastShared shared;
  int64_t queued_from = 0;
  if (*found) {
    shared = {b.Text(0), b.Text(1), b.Int64(2)};
    queued_from = b.Int64(3);
  }
  b.Reset();
  // Through messages_by_broadcast (the queue's index keeps one-to-one
  // messages only, migrations.cc Version 14) in id order, from after_id or
  // the broadcast's queued_from, whichever is further (one bound: the walk
  // of the index starts there): the messages it sent before (all of them
  // after a restart, when after_id is 0) are not read.
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st, Prepare(TGATE_SELECT_BROADCAST_MESSAGE_FROM(
                   "messages m INDEXED BY messages_by_broadcast") "WHERE m.bot = ?1 AND m.priority = 1 AND "
                                                                  "m.broadcast_id = ?2 AND m.status = 0 "
                                                                  "AND m.id > max(?3, ?5 - 1) "
                                                                  "ORDER BY m.id LIMIT ?4"));
  st.Bind(1, bot).Bind(2, broadcast_id).Bind(3, after_id).Bind(4, static_cast<int64_t>(limit));
  st.Bind(5, queued_from);
  TGATE_CO_ASSIGN_OR_RETURN(std::vector<Message> rows, ReadQueued(st, limit, due_by_ms, &shared));
  TGATE_CO_ASSIGN_OR_RETURN(auto in_range,
                            Prepare("SELECT chat_id FROM bindings INDEXED BY bindings_by_status "
                                    "WHERE bot = ?1 AND status = 1 AND chat_id BETWEEN ?2 AND ?3 LIMIT ?4"));
  TGATE_CO_ASSIGN_OR_RETURN(auto probe, Prepare("SELECT 1 FROM bindings INDEXED BY bindings_by_chat "
                                                "WHERE chat_id = ?2 AND bot = ?1 AND status = 1"));
  TGATE_CO_RETURN_IF_ERROR(MarkBlockedChats(in_range, probe, bot, rows));
  co_return rows;
}

Awaitable<Status> SqliteStore::Complete(const std::vector<Completion>& completions) {
  if (completions.empty()) co_return Status::Ok();
  const int64_t now = NowSeconds();
  auto write = [&]() -> Status {
    // A retry (status queued) never revives a message cancelled meanwhile
    // (CancelBroadcast); a final outcome (sent, failed) is the truth and
    // always lands, and moves its broadcast's counts from the status it had.
    // Unknown ids are ignored.
    // Most completions are of a message still queued, in the broadcast its
    // writer named: `queued` writes those in one statement. Any other
    // (unknown, no longer queued, the broadcast not the one named) changes
    // nothing there, and is read first and written by `update`.
    TGATE_ASSIGN_OR_RETURN(
        auto queued,
        Prepare("UPDATE messages SET status = ?2, attempts = ?3, parts_sent = ?4, not_before_ms = ?5, "
                "telegram_message_id = ?6, error = ?7, updated_at = ?8, parts = max(parts, ?9) "
                "WHERE id = ?1 AND status = 0 AND coalesce(broadcast_id, 0) = ?10"));
    TGATE_ASSIGN_OR_RETURN(auto before,
                           Prepare("SELECT status, coalesce(broadcast_id, 0) FROM messages WHERE id = ?1"));
    TGATE_ASSIGN_OR_RETURN(
        auto update,
        Prepare(
            "UPDATE messages SET status = ?2, attempts = ?3, parts_sent = ?4, not_before_ms = ?5, "
            "telegram_message_id = ?6, error = ?7, updated_at = ?8, parts = max(parts, ?9) WHERE id = ?1"));
    auto bind = [&](SqliteStatement& st, const Completion& c) {
      st.Bind(1, c.id).Bind(2, MessageStatusInt(c.status)).Bind(3, int64_t{c.attempts});
      st.Bind(4, int64_t{c.parts_sent}).Bind(5, c.not_before_ms).Bind(6, c.telegram_message_id);
      st.BindOptional(7, c.error).Bind(8, now).Bind(9, int64_t{c.parts});
    };
    std::map<int64_t, BroadcastCounts> moved;  // by broadcast id; usually one
    auto move = [&](int64_t broadcast, MessageStatus was, MessageStatus is) {
      if (broadcast == 0 || was == is) return;
      moved[broadcast].Add(was, -1);
      moved[broadcast].Add(is, 1);
    };
    for (const Completion& c : completions) {
      bind(queued, c);
      queued.Bind(10, c.broadcast_id);
      TGATE_RETURN_IF_ERROR(queued.Run());
      const bool written = queued.Changes() == 1;
      queued.Reset();
      if (written) {
        move(c.broadcast_id, MessageStatus::kQueued, c.status);
        continue;
      }
      TGATE_ASSIGN_OR_RETURN(auto found, before.Bind(1, c.id).Step());
      const MessageStatus was = found ? MessageStatusOf(before.Int64(0)) : MessageStatus::kQueued;
      const int64_t broadcast = found ? before.Int64(1) : 0;
      before.Reset();
      if (!found) continue;
      if (c.status == MessageStatus::kQueued && was != MessageStatus::kQueued) continue;
      bind(update, c);
      TGATE_RETURN_IF_ERROR(update.Run());
      update.Reset();
      move(broadcast, was, c.status);
    }
    for (const auto& [id, delta] : moved) TGATE_RETURN_IF_ERROR(AddToBroadcastCounts(id, delta));
    return Status::Ok();
  };
  // Inside a caller's transaction (the dispatcher's flush) a failure fails
  // that whole transaction, so a savepoint of its own would only cost.
  co_return transactions_.depth() > 0 ? write() : Atomically(write);
}

Awaitable<Status> SqliteStore::WriteOutcomes(const std::vector<Completion>& completions,
                                             const std::vector<ClosedChat>& closed,
                                             const std::vector<std::string>& events, int64_t now_ms) {
  co_return co_await RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Complete(completions));
    for (const ClosedChat& c : closed) {
      const Status bound = co_await tx.SetChatStatus(c.bot, c.chat_id, c.status);
      if (!bound.ok() && !bound.IsNotFound()) co_return bound;
    }
    for (const std::string& e : events) TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(e, now_ms));
    co_return Status::Ok();
  });
}

Awaitable<Result<std::vector<GroupSend>>> SqliteStore::RecentGroupSends(std::string_view bot,
                                                                        int64_t since_s) {
  // Served by the partial index messages_group_sends (schema v6): only rows
  // of group messages are in it, so outcome writes to private chats never
  // touch it.
  TGATE_CO_ASSIGN_OR_RETURN(
      auto st,
      Prepare("SELECT chat_id, updated_at, parts_sent FROM messages INDEXED BY messages_group_sends "
              "WHERE bot = ?1 AND chat_id < 0 AND parts_sent > 0 AND updated_at >= ?2 ORDER BY updated_at"));
  st.Bind(1, bot).Bind(2, since_s);
  std::vector<GroupSend> out;
  for (;;) {
    TGATE_CO_ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    out.push_back({st.Int64(0), st.Int64(1), static_cast<int>(st.Int64(2))});
  }
  st.Reset();
  co_return out;
}

Awaitable<Result<int64_t>> SqliteStore::LastMessageId() {
  // The rowid's B-tree gives its maximum without a scan.
  TGATE_CO_ASSIGN_OR_RETURN(auto st, Prepare("SELECT coalesce(max(id), 0) FROM messages"));
  auto row = st.Step();
  if (!row.ok()) co_return row.status();
  const int64_t id = st.Int64(0);
  st.Reset();
  co_return id;
}

}  // namespace tgate::store
