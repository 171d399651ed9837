#include "store/pg_migrations.h"

#include <string>

#include "core/status_macros.h"

namespace tgate::store {
namespace {

// Version 1: SQLite's schema at its version 10 (migrations.cc), translated,
// plus the cluster's tables (src/cluster/). Differences from SQLite:
//  - ids are bigint identities (SQLite's AUTOINCREMENT rowids);
//  - the site user's column is site_user: `user` is a reserved word here
//    (unquoted it is CURRENT_USER, which would compare silently);
//  - binding_counts is kept by one plpgsql trigger function;
//  - statuses keep SQLite's small ints (sqlite_codes.h): messages.status 0
//    queued, 1 sent, 2 failed, 3 cancelled; bindings.status 0 active, 1
//    blocked; broadcasts.status 0 running, 1 cancelled; updates.processed 0
//    pending, 1 processed, 2 set aside.
// Broadcast messages keep text/options_json/expires_at_ms NULL and read the
// broadcast's, so a million-chat broadcast stores its text once.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE link_tokens (
  token_sha256 text PRIMARY KEY,
  bot          text NOT NULL,
  site_user    text NOT NULL,
  expires_at   bigint NOT NULL
);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);

CREATE TABLE bindings (
  bot       text NOT NULL,
  site_user text NOT NULL,
  chat_id   bigint NOT NULL,
  status    smallint NOT NULL DEFAULT 0,
  linked_at bigint NOT NULL,
  PRIMARY KEY (bot, site_user),
  UNIQUE (bot, chat_id)
);
CREATE INDEX bindings_by_status ON bindings (bot, status, chat_id) INCLUDE (site_user);

-- Active bindings per bot, kept by the trigger below in the statements that
-- change bindings: a broadcast to "all" needs the count up front.
CREATE TABLE binding_counts (
  bot    text PRIMARY KEY,
  active bigint NOT NULL DEFAULT 0
);
CREATE FUNCTION tgate_count_bindings() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.status = 0 THEN
      UPDATE binding_counts SET active = active - 1 WHERE bot = OLD.bot;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.status = 0 THEN
      INSERT INTO binding_counts (bot, active) VALUES (NEW.bot, 1)
        ON CONFLICT (bot) DO UPDATE SET active = binding_counts.active + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER bindings_count AFTER INSERT OR DELETE OR UPDATE OF bot, status ON bindings
  FOR EACH ROW EXECUTE FUNCTION tgate_count_bindings();

CREATE TABLE broadcasts (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot                     text NOT NULL,
  text                    text NOT NULL,
  options_json            text NOT NULL,
  total                   bigint NOT NULL DEFAULT 0,
  skipped                 bigint NOT NULL DEFAULT 0,
  spread_seconds          bigint NOT NULL DEFAULT 0,
  paid                    smallint NOT NULL DEFAULT 0,
  status                  smallint NOT NULL DEFAULT 0,
  cancelled_at            bigint,
  created_at              bigint NOT NULL,
  fill_after              bigint,
  filled                  bigint NOT NULL DEFAULT 0,
  n_sent                  bigint NOT NULL DEFAULT 0,
  n_failed                bigint NOT NULL DEFAULT 0,
  n_cancelled             bigint NOT NULL DEFAULT 0,
  expires_at_ms           bigint,
  idempotency_key         text,
  idempotency_fingerprint text
);
CREATE INDEX broadcasts_filling ON broadcasts (bot, id) WHERE fill_after IS NOT NULL;
CREATE UNIQUE INDEX broadcasts_by_idempotency_key ON broadcasts (bot, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE messages (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot                     text NOT NULL,
  site_user               text,
  chat_id                 bigint NOT NULL,
  text                    text,
  options_json            text,
  priority                smallint NOT NULL,
  broadcast_id            bigint REFERENCES broadcasts (id),
  paid                    smallint NOT NULL DEFAULT 0,
  status                  smallint NOT NULL DEFAULT 0,
  attempts                integer NOT NULL DEFAULT 0,
  parts_sent              integer NOT NULL DEFAULT 0,
  not_before_ms           bigint NOT NULL DEFAULT 0,
  telegram_message_id     bigint NOT NULL DEFAULT 0,
  error                   text,
  idempotency_key         text,
  idempotency_fingerprint text,
  created_at              bigint NOT NULL,
  updated_at              bigint NOT NULL,
  expires_at_ms           bigint
);
CREATE INDEX messages_queued ON messages (bot, priority, broadcast_id, id) WHERE status = 0;
CREATE INDEX messages_queued_by_chat ON messages (bot, chat_id) WHERE status = 0;
CREATE INDEX messages_by_broadcast ON messages (broadcast_id) WHERE broadcast_id IS NOT NULL;
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages (bot, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_group_sends ON messages (bot, updated_at)
  WHERE chat_id < 0 AND parts_sent > 0;

CREATE TABLE updates (
  bot              text NOT NULL,
  update_id        bigint NOT NULL,
  payload          text NOT NULL,
  processed        smallint NOT NULL DEFAULT 0,
  received_at      bigint NOT NULL,
  set_aside_reason text,
  PRIMARY KEY (bot, update_id)
);
CREATE INDEX updates_pending ON updates (bot, update_id) WHERE processed = 0;
CREATE INDEX updates_set_aside ON updates (bot, update_id) WHERE processed = 2;

CREATE TABLE chat_migrations (
  bot         text NOT NULL,
  old_chat_id bigint NOT NULL,
  new_chat_id bigint NOT NULL,
  migrated_at bigint NOT NULL,
  PRIMARY KEY (bot, old_chat_id)
);

CREATE TABLE events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload         text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_ms bigint NOT NULL,
  created_at      bigint NOT NULL
);
CREATE INDEX events_by_due ON events (next_attempt_ms);

-- The cluster (src/cluster/): instances, bot ownership and its fence.
CREATE TABLE instances (id text PRIMARY KEY, listen text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(), heartbeat_at timestamptz NOT NULL DEFAULT now(),
  draining boolean NOT NULL DEFAULT false);
CREATE TABLE bot_leases (bot text PRIMARY KEY, owner text, epoch bigint NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION tgate_fence(p_bot text, p_owner text, p_epoch bigint) RETURNS void AS $$
BEGIN
  PERFORM 1 FROM bot_leases WHERE bot = p_bot AND owner = p_owner AND epoch = p_epoch FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'bot % is no longer owned by % at epoch %', p_bot, p_owner, p_epoch
      USING ERRCODE = 'TG001';
  END IF;
END $$ LANGUAGE plpgsql;
)sql";

// Version 2: SQLite's version 11 (migrations.cc): messages.parts apart from
// attempts, which now count the sends of the most-tried part; rows from
// before are rewritten the same way; broadcasts.skipped_users.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE broadcasts ADD COLUMN skipped_users text;
ALTER TABLE messages ADD COLUMN parts integer NOT NULL DEFAULT 0;
UPDATE messages SET parts = parts_sent WHERE status = 1;
UPDATE messages SET attempts = attempts - parts_sent + 1 WHERE parts_sent > 1 AND attempts >= parts_sent;
)sql";

// Version 3: SQLite's version 15 (migrations.cc): no index finds a chat's
// messages. The partial messages_queued_by_chat got an entry at its chat's
// place with every message accepted and lost it with its outcome. A chat
// that closes has its queued messages failed as they are loaded; MoveChat
// finds a migrated group's through messages_queued.
constexpr const char* kSchemaV3 = R"sql(
DROP INDEX messages_queued_by_chat;
)sql";

Awaitable<Status> ApplyAll(pg::Connection& conn, const std::vector<PgMigration>& steps) {
  // Taken before anything is read: a second migrator waits here until the
  // first commits, then reads the version the first left.
  const std::string lock_sql = "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")";
  auto lock = co_await conn.Query(lock_sql);
  TGATE_CO_RETURN_IF_ERROR(lock.status());
  auto table = co_await conn.Query("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
  TGATE_CO_RETURN_IF_ERROR(table.status());
  auto read = co_await conn.Query("SELECT coalesce(max(version), 0) FROM schema_version");
  TGATE_CO_RETURN_IF_ERROR(read.status());
  const int version = static_cast<int>(read->Int64(0, 0));
  const int latest = steps.empty() ? 0 : steps.back().version;
  if (version > latest) {
    co_return Status::Conflict("database schema version " + std::to_string(version) +
                               " is newer than this tgate knows (" + std::to_string(latest) +
                               "): run a newer tgate");
  }
  for (const PgMigration& step : steps) {
    if (step.version <= version) continue;
    auto applied = co_await conn.Query(step.sql);
    if (!applied.ok()) {
      co_return Status(applied.status().code(), "schema migration to version " +
                                                    std::to_string(step.version) +
                                                    " failed: " + applied.status().message());
    }
  }
  if (latest > version) {
    const std::string set_sql = "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (" +
                                std::to_string(latest) + ")";
    auto set = co_await conn.Query(set_sql);
    TGATE_CO_RETURN_IF_ERROR(set.status());
  }
  co_return Status::Ok();
}

}  // namespace

const std::vector<PgMigration>& PgSchemaMigrations() {
  static const std::vector<PgMigration> kSteps = {{1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}};
  return kSteps;
}

int PgLatestSchemaVersion() { return PgSchemaMigrations().back().version; }

Awaitable<Result<int>> ReadPgSchemaVersion(pg::Connection& conn) {
  auto exists = co_await conn.Query("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists.ok()) co_return exists.status();
  if (!exists->Bool(0, 0)) co_return 0;
  auto read = co_await conn.Query("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!read.ok()) co_return read.status();
  co_return static_cast<int>(read->Int64(0, 0));
}

Awaitable<Status> MigratePg(pg::Connection& conn, const std::vector<PgMigration>& steps) {
  auto begin = co_await conn.Query("BEGIN");
  TGATE_CO_RETURN_IF_ERROR(begin.status());
  Status s = co_await ApplyAll(conn, steps);
  if (s.ok()) {
    auto commit = co_await conn.Query("COMMIT");
    s = commit.status();
  }
  if (!s.ok()) {
    auto rollback = co_await conn.Query("ROLLBACK");  // the error above is the one to report
    (void)rollback;
  }
  co_return s;
}

}  // namespace tgate::store
