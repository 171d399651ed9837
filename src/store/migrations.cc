#include "store/migrations.h"

#include <string>
#include <utility>
#include <vector>

#include "core/random.h"
#include "core/status_macros.h"
#include "store/sqlite_statement.h"

namespace tgate::store {
namespace {

// Status columns hold small ints: messages.status 0 queued, 1 sent, 2 failed,
// 3 cancelled; bindings.status 0 active, 1 blocked; broadcasts.status 0
// running, 1 cancelled ("done" is derived from the message counts).
// Broadcast messages keep text/options_json NULL and read the broadcast's, so a
// million-chat broadcast stores its text once.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE link_tokens (
  token      TEXT PRIMARY KEY,
  bot        TEXT NOT NULL,
  user       TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);

CREATE TABLE bindings (
  bot       TEXT NOT NULL,
  user      TEXT NOT NULL,
  chat_id   INTEGER NOT NULL,
  status    INTEGER NOT NULL DEFAULT 0,
  linked_at INTEGER NOT NULL,
  PRIMARY KEY (bot, user),
  UNIQUE (bot, chat_id)
) WITHOUT ROWID;
-- Covers "active bindings of a bot by chat id" (broadcast targets, counts):
-- a WITHOUT ROWID index also carries the primary key (user).
CREATE INDEX bindings_by_status ON bindings (bot, status, chat_id);

CREATE TABLE broadcasts (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  bot            TEXT NOT NULL,
  text           TEXT NOT NULL,
  options_json   TEXT NOT NULL,
  total          INTEGER NOT NULL DEFAULT 0,
  skipped        INTEGER NOT NULL DEFAULT 0,
  spread_seconds INTEGER NOT NULL DEFAULT 0,
  paid           INTEGER NOT NULL DEFAULT 0,
  status         INTEGER NOT NULL DEFAULT 0,
  cancelled_at   INTEGER,
  created_at     INTEGER NOT NULL
);

CREATE TABLE messages (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  bot                 TEXT NOT NULL,
  user                TEXT,
  chat_id             INTEGER NOT NULL,
  text                TEXT,
  options_json        TEXT,
  priority            INTEGER NOT NULL,
  broadcast_id        INTEGER REFERENCES broadcasts (id),
  paid                INTEGER NOT NULL DEFAULT 0,
  status              INTEGER NOT NULL DEFAULT 0,
  attempts            INTEGER NOT NULL DEFAULT 0,
  parts_sent          INTEGER NOT NULL DEFAULT 0,
  not_before_ms       INTEGER NOT NULL DEFAULT 0,
  telegram_message_id INTEGER NOT NULL DEFAULT 0,
  error               TEXT,
  idempotency_key     TEXT,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX messages_queued ON messages (bot, priority, id) WHERE status = 0;
CREATE INDEX messages_queued_by_chat ON messages (bot, chat_id) WHERE status = 0;
CREATE INDEX messages_by_broadcast ON messages (broadcast_id, status)
  WHERE broadcast_id IS NOT NULL;
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (bot, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE updates (
  bot         TEXT NOT NULL,
  update_id   INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  processed   INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (bot, update_id)
) WITHOUT ROWID;
CREATE INDEX updates_pending ON updates (bot, update_id) WHERE processed = 0;

CREATE TABLE events (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  payload         TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE INDEX events_by_due ON events (next_attempt_ms);
)sql";

// Version 2: broadcasts to "all" are filled in chunks (fill_after is the last
// chat id materialized, NULL when complete) so a million targets never hold
// the database, or the io thread, for seconds.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE broadcasts ADD COLUMN fill_after INTEGER;
ALTER TABLE broadcasts ADD COLUMN filled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX broadcasts_filling ON broadcasts (bot, id) WHERE fill_after IS NOT NULL;
)sql";

// Version 3: writing a message's outcome touches fewer index pages (it was
// the largest part of the store's cost per delivered message). Broadcasts
// keep their sent/failed/cancelled counts in their own row, moved by the
// store with every status change, so status leaves the per-broadcast index
// (and a broadcast's progress is read in O(1), not by counting its rows).
// `filled` is recounted too: broadcasts made before version 2 left it 0.
// The per-chat queue index keeps its status filter: without it a block or a
// group's migration would read the chat's whole history, which for a busy
// group grows without bound.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE broadcasts ADD COLUMN n_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN n_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN n_cancelled INTEGER NOT NULL DEFAULT 0;
UPDATE broadcasts SET
  filled = (SELECT count(*) FROM messages m WHERE m.broadcast_id = broadcasts.id),
  n_sent = (SELECT count(*) FROM messages m WHERE m.broadcast_id = broadcasts.id AND m.status = 1),
  n_failed = (SELECT count(*) FROM messages m WHERE m.broadcast_id = broadcasts.id AND m.status = 2),
  n_cancelled = (SELECT count(*) FROM messages m WHERE m.broadcast_id = broadcasts.id AND m.status = 3);
DROP INDEX messages_by_broadcast;
CREATE INDEX messages_by_broadcast ON messages (broadcast_id) WHERE broadcast_id IS NOT NULL;
)sql";

// Version 4: the dispatcher loads each broadcast's queued messages on its own
// (in id order, which is due order within a broadcast), so the queue index
// gains broadcast_id: a campaign spread over hours no longer fills the
// dispatcher's window with messages due hours from now, and a restart finds a
// broadcast's first queued message without reading the ones it already sent.
// One-to-one messages (broadcast_id NULL) keep their id order in it.
constexpr const char* kSchemaV4 = R"sql(
DROP INDEX messages_queued;
CREATE INDEX messages_queued ON messages (bot, priority, broadcast_id, id) WHERE status = 0;
)sql";

// Version 5: a broadcast to "all" needs the number of active bindings up
// front (it spreads its messages by it), and counting a million rows held
// the io thread for ~100 ms while the API waited. The count is kept instead,
// per bot, by triggers in the same statements that change bindings.
// (Bind's upsert fires the UPDATE trigger; nothing uses INSERT OR REPLACE,
// whose implicit delete would not fire the DELETE trigger.)
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE binding_counts (
  bot    TEXT PRIMARY KEY,
  active INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO binding_counts (bot, active)
  SELECT bot, count(*) FROM bindings WHERE status = 0 GROUP BY bot;
CREATE TRIGGER bindings_count_insert AFTER INSERT ON bindings WHEN NEW.status = 0
BEGIN
  INSERT INTO binding_counts (bot, active) VALUES (NEW.bot, 1)
    ON CONFLICT (bot) DO UPDATE SET active = active + 1;
END;
CREATE TRIGGER bindings_count_delete AFTER DELETE ON bindings WHEN OLD.status = 0
BEGIN
  UPDATE binding_counts SET active = active - 1 WHERE bot = OLD.bot;
END;
CREATE TRIGGER bindings_count_update AFTER UPDATE OF bot, status ON bindings
  WHEN OLD.status = 0 OR NEW.status = 0
BEGIN
  UPDATE binding_counts SET active = active - 1 WHERE bot = OLD.bot AND OLD.status = 0;
  INSERT INTO binding_counts (bot, active) SELECT NEW.bot, 1 WHERE NEW.status = 0
    ON CONFLICT (bot) DO UPDATE SET active = active + 1;
END;
)sql";

// Version 6: a restarted dispatcher must know what each group got in the
// last minute (Telegram's 20-per-60 s window outlives a restart). Only group
// messages that delivered a part are indexed, so the many outcome writes to
// private chats do not touch this index.
constexpr const char* kSchemaV6 = R"sql(
CREATE INDEX messages_group_sends ON messages (bot, updated_at)
  WHERE chat_id < 0 AND parts_sent > 0;
)sql";

// Version 7: an update that cannot be processed is set aside instead of
// blocking every update behind it: updates.processed becomes a state (0
// pending, 1 processed, 2 set aside) and set_aside_reason says why. Set-aside
// updates leave updates_pending and are counted through their own small
// index. chat_migrations remembers each group that became a supergroup, so a
// message later queued to the old id goes to the new one (chains are
// compressed on write: new_chat_id is always the latest id).
constexpr const char* kSchemaV7 = R"sql(
ALTER TABLE updates ADD COLUMN set_aside_reason TEXT;
CREATE INDEX updates_set_aside ON updates (bot, update_id) WHERE processed = 2;
CREATE TABLE chat_migrations (
  bot         TEXT NOT NULL,
  old_chat_id INTEGER NOT NULL,
  new_chat_id INTEGER NOT NULL,
  migrated_at INTEGER NOT NULL,
  PRIMARY KEY (bot, old_chat_id)
) WITHOUT ROWID;
)sql";

// Version 8: a message may have a deadline (the site's ttl_seconds): past
// it the dispatcher fails it as expired rather than sending it late. NULL:
// none (max_queue_age still applies). A broadcast's messages read the
// broadcast's deadline, as they read its text.
constexpr const char* kSchemaV8 = R"sql(
ALTER TABLE messages ADD COLUMN expires_at_ms INTEGER;
ALTER TABLE broadcasts ADD COLUMN expires_at_ms INTEGER;
)sql";

// Version 9: an idempotency key stands for one request, not just one id. The
// fingerprint of the request that used the key (api/idempotency.h) is kept
// with it, so the same key with another body is refused instead of answered
// with the first message; broadcasts get keys too, unique per bot as the
// messages' are. Rows from before keep a NULL fingerprint (not compared).
constexpr const char* kSchemaV9 = R"sql(
ALTER TABLE messages ADD COLUMN idempotency_fingerprint TEXT;
ALTER TABLE broadcasts ADD COLUMN idempotency_key TEXT;
ALTER TABLE broadcasts ADD COLUMN idempotency_fingerprint TEXT;
CREATE UNIQUE INDEX broadcasts_by_idempotency_key ON broadcasts (bot, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql";

// Version 10: link tokens are kept as their SHA-256 (hex, as
// SqliteStore::PutLinkToken writes them), so a copy of the database holds no
// token that could be redeemed. The column is renamed, and HashLinkTokens
// replaces each token still waiting with its digest.
constexpr const char* kSchemaV10 = R"sql(
ALTER TABLE link_tokens RENAME COLUMN token TO token_sha256;
)sql";

// Version 11: a message's parts (how many Telegram messages its text became,
// 0 until the dispatcher has split it) are kept apart from its attempts,
// which now count the sends of its most-tried part (1 for a 10-part message
// sent without a retry), not the sends of all its parts. Rows from before
// counted every part's sends: a message with n parts delivered took at least
// one send for each of them, so its most-tried part took at most
// attempts - (n - 1), exact for the many sent without a retry. Sent rows get
// their parts from parts_sent. A broadcast to a list keeps which requested
// users it skipped and why (store/skipped_users.h; NULL: none, or from before).
constexpr const char* kSchemaV11 = R"sql(
ALTER TABLE broadcasts ADD COLUMN skipped_users TEXT;
ALTER TABLE messages ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET parts = parts_sent WHERE status = 1;
UPDATE messages SET attempts = attempts - parts_sent + 1 WHERE parts_sent > 1 AND attempts >= parts_sent;
)sql";

// Version 12: a chat's messages are found through an index of all of them,
// not of the queued ones only. The partial index lost an entry, on a page of
// its own (chats are spread over it), with every outcome written back: a
// page more of WAL for each message sent. Its two readers (failing a
// blocked chat's queue, moving a migrated group's) are rare, and read the
// status from the few rows each chat keeps within the retention period.
// (PostgreSQL keeps the partial index: there an update that moves a row out
// of it adds no entry, where a full index would get one with every update.)
constexpr const char* kSchemaV12 = R"sql(
DROP INDEX messages_queued_by_chat;
CREATE INDEX messages_by_chat ON messages (bot, chat_id);
)sql";

Status ReplaceLinkTokensByDigests(sqlite3* db) {
  std::vector<std::string> tokens;
  {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, "SELECT token_sha256 FROM link_tokens", -1, &st, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "read link tokens");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      tokens.emplace_back(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return SqliteError(db, rc, "read link tokens");
  }
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "UPDATE link_tokens SET token_sha256 = ?2 WHERE token_sha256 = ?1", -1, &st,
                              nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "hash link tokens");
  for (const std::string& token : tokens) {
    const std::string digest = Sha256Hex(token);
    sqlite3_bind_text(st, 1, token.data(), static_cast<int>(token.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, digest.data(), static_cast<int>(digest.size()), SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
      Status s = SqliteError(db, rc, "hash link tokens");
      sqlite3_finalize(st);
      return s;
    }
  }
  sqlite3_finalize(st);
  return Status::Ok();
}

Status HashLinkTokens(sqlite3* db) {
  // Zeroes what the updates free: the plaintext must not stay behind in the
  // pages' free space, where a copy of the file would still hold it.
  TGATE_RETURN_IF_ERROR(ExecSql(db, "PRAGMA secure_delete = ON"));
  Status s = ReplaceLinkTokensByDigests(db);
  Status off = ExecSql(db, "PRAGMA secure_delete = OFF");
  return s.ok() ? off : s;
}

Status ApplyStep(sqlite3* db, const Migration& step) {
  TGATE_RETURN_IF_ERROR(ExecSql(db, "BEGIN IMMEDIATE"));
  // Re-read under the write lock: another process may have migrated meanwhile.
  auto version = ReadSchemaVersion(db);
  Status s = version.status();
  if (s.ok() && *version < step.version) {
    s = ExecSql(db, step.sql);
    if (s.ok() && step.code) s = step.code(db);
    if (s.ok()) {
      std::string set = "PRAGMA user_version = " + std::to_string(step.version);
      s = ExecSql(db, set.c_str());
    }
  }
  if (s.ok()) s = ExecSql(db, "COMMIT");
  if (!s.ok()) {
    if (!sqlite3_get_autocommit(db)) (void)ExecSql(db, "ROLLBACK");
    return Status(s.code(),
                  "schema migration to version " + std::to_string(step.version) + " failed: " + s.message());
  }
  return Status::Ok();
}

}  // namespace

// Version 13: which users a broadcast to a list skipped move to a table of
// their own. In the broadcast's row they were rewritten (or read and
// compared, overflow pages and all) by every outcome batch's update of its
// counts: 70 us an update at 10,000 skipped users, 2.8 ms at 50,000 where
// the row outgrew the page cache, up to 100 batches a second. The column
// stays, always NULL: DROP COLUMN would rewrite every broadcast's row.
// Deleting a broadcast (retention) deletes its list (foreign keys are on).
constexpr const char* kSchemaV13 = R"sql(
CREATE TABLE broadcast_skipped_users (
  broadcast_id INTEGER PRIMARY KEY REFERENCES broadcasts (id) ON DELETE CASCADE,
  users        TEXT NOT NULL
);
INSERT INTO broadcast_skipped_users (broadcast_id, users)
  SELECT id, skipped_users FROM broadcasts WHERE skipped_users IS NOT NULL;
UPDATE broadcasts SET skipped_users = NULL WHERE skipped_users IS NOT NULL;
)sql";

// Version 14: the queue's index keeps one-to-one messages only. A
// broadcast's queued messages are found through messages_by_broadcast, from
// the broadcast's queued_from on: every message of it with a smaller id has
// its outcome (AddToBroadcastCounts moves it past them as they get one). The
// index lost an entry with every broadcast message sent, and got one with
// every one made: about 6,000 of the 20,000 instructions of writing a
// broadcast message's outcome back (callgrind, batches of 6). Loading a
// broadcast after a restart, or cancelling it, reads its messages from
// queued_from, not the ones it sent long before. An existing broadcast
// starts from 0: the first write of its outcomes moves it on.
// (PostgreSQL keeps its index: see Version 12's note.)
constexpr const char* kSchemaV14 = R"sql(
DROP INDEX messages_queued;
CREATE INDEX messages_queued_direct ON messages (bot, priority, id) WHERE status = 0 AND broadcast_id IS NULL;
ALTER TABLE broadcasts ADD COLUMN queued_from INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 15: no index finds a chat's messages. messages_by_chat (Version
// 12) got an entry for every message accepted at its chat's place, a page
// of its own in a tree as big as the history kept: a page more of WAL for
// each message. ingest_bench, POST /v1/messages with 1.2 million messages
// stored: 34,600 a second at 26 us CPU each with it, 57,600 at 17 without.
// Its two readers went: what is queued to a chat that closes fails as the
// dispatcher loads it (each read of a message carries its binding's status,
// one step of the bindings' primary key), and a migrated group's queued
// messages are found through the queue's indexes (MoveChat, once a group).
// (PostgreSQL drops its partial index of queued messages by chat alike:
// pg_migrations.cc, Version 3.)
constexpr const char* kSchemaV15 = R"sql(
DROP INDEX messages_by_chat;
)sql";

// Version 16: bindings are found by chat through an index that starts with
// the chat id. The two that could serve it start with the bot's name, the
// same in every key, so each step down their trees compared a string before
// the number that decides (SQLite compares a key whose first column is an
// integer on a fast path). And the unique (bot, chat_id) index did not cover
// the binding's user: a second walk, down the primary key, fetched it.
// A scratch program on 10,000 bindings (callgrind): the user of a chat,
// which every update forwarded from a chat carries (AddChatEvent), 10,900
// instructions -> 3,800; whether a chat is blocked, which each read of a
// message asks, 5,700 -> 4,000. With status in the key both are answered
// by the index alone (its entries also hold the user, the rest of the
// primary key). bindings_by_status stays: the broadcast's fill walks it by
// status, in chat id order.
constexpr const char* kSchemaV16 = R"sql(
CREATE INDEX bindings_by_chat ON bindings (chat_id, bot, status);
)sql";

const std::vector<Migration>& SchemaMigrations() {
  static const std::vector<Migration> kSteps = {
      {1, kSchemaV1},   {2, kSchemaV2},
      {3, kSchemaV3},   {4, kSchemaV4},
      {5, kSchemaV5},   {6, kSchemaV6},
      {7, kSchemaV7},   {8, kSchemaV8},
      {9, kSchemaV9},   {10, kSchemaV10, HashLinkTokens},
      {11, kSchemaV11}, {12, kSchemaV12},
      {13, kSchemaV13}, {14, kSchemaV14},
      {15, kSchemaV15}, {16, kSchemaV16},
  };
  return kSteps;
}

int LatestSchemaVersion() { return SchemaMigrations().back().version; }

Result<int> ReadSchemaVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "read schema version");
  rc = sqlite3_step(stmt);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "read schema version");
  return version;
}

Status Migrate(sqlite3* db, const std::vector<Migration>& steps) {
  TGATE_ASSIGN_OR_RETURN(auto version, ReadSchemaVersion(db));
  int latest = steps.empty() ? 0 : steps.back().version;
  if (version > latest) {
    return Status::Conflict("database schema version " + std::to_string(version) +
                            " is newer than this tgate (" + std::to_string(latest) + "); upgrade tgate");
  }
  for (const Migration& step : steps) {
    if (step.version <= version) continue;
    TGATE_RETURN_IF_ERROR(ApplyStep(db, step));
  }
  return Status::Ok();
}

}  // namespace tgate::store
