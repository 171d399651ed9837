#include "store/store_copy.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "pg/connection.h"
#include "store/migrations.h"
#include "store/pg_migrations.h"
#include "store/sqlite_busy_wait.h"
#include "store/sqlite_statement.h"

namespace tgate::store {
namespace {

enum class Kind { kInt, kText };

struct Column {
  const char* sqlite;  // the column's name in SQLite, or an expression (a subquery) giving it
  const char* pg;      // and in PostgreSQL (`user` is `site_user` there)
  Kind kind;
};

struct Table {
  const char* name;
  std::vector<Column> columns;
  const char* order_by;   // the primary key: a stable order to read in
  bool identity = false;  // `id` is an identity column (kept, then moved past)
};

// Every table of SQLite's schema at LatestSchemaVersion() that PostgreSQL's
// schema has too, with every column, parents before children (messages
// reference broadcasts). binding_counts is not copied: it is counted from
// the copied bindings (see kCountBindings). A new SQLite column must be added
// here (store_copy_test reads every column back through the Store API).
const std::vector<Table>& Tables() {
  static const std::vector<Table> kTables = {
      {"link_tokens",
       {{"token_sha256", "token_sha256", Kind::kText},
        {"bot", "bot", Kind::kText},
        {"user", "site_user", Kind::kText},
        {"expires_at", "expires_at", Kind::kInt}},
       "token_sha256"},
      {"bindings",
       {{"bot", "bot", Kind::kText},
        {"user", "site_user", Kind::kText},
        {"chat_id", "chat_id", Kind::kInt},
        {"status", "status", Kind::kInt},
        {"linked_at", "linked_at", Kind::kInt}},
       "bot, user"},
      {"broadcasts",
       {{"id", "id", Kind::kInt},
        {"bot", "bot", Kind::kText},
        {"text", "text", Kind::kText},
        {"options_json", "options_json", Kind::kText},
        {"total", "total", Kind::kInt},
        {"skipped", "skipped", Kind::kInt},
        // In a table of its own on SQLite (schema v13), in the row on PostgreSQL.
        {"(SELECT users FROM broadcast_skipped_users WHERE broadcast_id = broadcasts.id)", "skipped_users",
         Kind::kText},
        {"spread_seconds", "spread_seconds", Kind::kInt},
        {"paid", "paid", Kind::kInt},
        {"status", "status", Kind::kInt},
        {"cancelled_at", "cancelled_at", Kind::kInt},
        {"created_at", "created_at", Kind::kInt},
        {"fill_after", "fill_after", Kind::kInt},
        {"filled", "filled", Kind::kInt},
        {"n_sent", "n_sent", Kind::kInt},
        {"n_failed", "n_failed", Kind::kInt},
        {"n_cancelled", "n_cancelled", Kind::kInt},
        {"expires_at_ms", "expires_at_ms", Kind::kInt},
        {"idempotency_key", "idempotency_key", Kind::kText},
        {"idempotency_fingerprint", "idempotency_fingerprint", Kind::kText}},
       "id",
       true},
      {"messages",
       {{"id", "id", Kind::kInt},
        {"bot", "bot", Kind::kText},
        {"user", "site_user", Kind::kText},
        {"chat_id", "chat_id", Kind::kInt},
        {"text", "text", Kind::kText},
        {"options_json", "options_json", Kind::kText},
        {"priority", "priority", Kind::kInt},
        {"broadcast_id", "broadcast_id", Kind::kInt},
        {"paid", "paid", Kind::kInt},
        {"status", "status", Kind::kInt},
        {"attempts", "attempts", Kind::kInt},
        {"parts_sent", "parts_sent", Kind::kInt},
        {"parts", "parts", Kind::kInt},
        {"not_before_ms", "not_before_ms", Kind::kInt},
        {"telegram_message_id", "telegram_message_id", Kind::kInt},
        {"error", "error", Kind::kText},
        {"idempotency_key", "idempotency_key", Kind::kText},
        {"idempotency_fingerprint", "idempotency_fingerprint", Kind::kText},
        {"created_at", "created_at", Kind::kInt},
        {"updated_at", "updated_at", Kind::kInt},
        {"expires_at_ms", "expires_at_ms", Kind::kInt}},
       "id",
       true},
      {"updates",
       {{"bot", "bot", Kind::kText},
        {"update_id", "update_id", Kind::kInt},
        {"payload", "payload", Kind::kText},
        {"processed", "processed", Kind::kInt},
        {"received_at", "received_at", Kind::kInt},
        {"set_aside_reason", "set_aside_reason", Kind::kText}},
       "bot, update_id"},
      {"chat_migrations",
       {{"bot", "bot", Kind::kText},
        {"old_chat_id", "old_chat_id", Kind::kInt},
        {"new_chat_id", "new_chat_id", Kind::kInt},
        {"migrated_at", "migrated_at", Kind::kInt}},
       "bot, old_chat_id"},
      {"events",
       {{"id", "id", Kind::kInt},
        {"payload", "payload", Kind::kText},
        {"attempts", "attempts", Kind::kInt},
        {"next_attempt_ms", "next_attempt_ms", Kind::kInt},
        {"created_at", "created_at", Kind::kInt}},
       "id",
       true},
  };
  return kTables;
}

// The store's tables on PostgreSQL: all must be empty before the copy.
constexpr const char* kTargetTables[] = {"link_tokens", "bindings",        "binding_counts", "broadcasts",
                                         "messages",    "chat_migrations", "updates",        "events"};

// One array parameter in PostgreSQL's text input format ('{1,NULL,"a\"b"}').
class ArrayLiteral {
 public:
  void AddNull() { Next().append("NULL"); }
  void AddInt(int64_t v) { Next().append(std::to_string(v)); }
  void AddText(std::string_view v) {
    std::string& out = Next();
    out.push_back('"');
    for (char c : v) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  // The literal; this is empty again afterwards.
  std::string Take() {
    std::string out = std::move(text_);
    out.push_back('}');
    text_.clear();
    return out;
  }

 private:
  std::string& Next() {
    text_.push_back(text_.empty() ? '{' : ',');
    return text_;
  }
  std::string text_;
};

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Result<SqliteStmt> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "read the source");
  return SqliteStmt(st);
}

// One integer from `sql` (0 for no row or NULL).
Result<int64_t> ReadInt(sqlite3* db, const std::string& sql) {
  TGATE_ASSIGN_OR_RETURN(SqliteStmt st, Prepare(db, sql));
  int rc = sqlite3_step(st.get());
  if (rc == SQLITE_ROW) return sqlite3_column_int64(st.get(), 0);
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteError(db, rc, "read the source");
}

// Opens `path` read-only and starts the read transaction every read shares,
// after checking it is a tgate database at this binary's schema version.
Result<SqliteDb> OpenSource(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("no SQLite database at '" + path + "' (--from names tgate's database file)");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "open '" + path + "' read-only");
  SetBusyWait(db.get(), std::chrono::seconds(5));
  const std::string not_tgate = "'" + path + "' is not a tgate database";
  auto version = ReadSchemaVersion(db.get());
  if (!version.ok()) return Status::Conflict(not_tgate + ": " + version.status().message());
  auto tables = ReadInt(db.get(),
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('link_tokens', 'bindings', 'broadcasts', 'messages', 'updates', 'events')");
  if (!tables.ok()) return Status::Conflict(not_tgate + ": " + tables.status().message());
  if (*version == 0 || *tables != 6) return Status::Conflict(not_tgate + " (it has none of tgate's tables)");
  const int latest = LatestSchemaVersion();
  if (*version < latest) {
    return Status::Conflict("'" + path + "' has schema version " + std::to_string(*version) +
                            ", older than this tgate's (" + std::to_string(latest) +
                            "): run this tgate once on it (`tgate serve` migrates it, then stop it), "
                            "then copy again");
  }
  if (*version > latest) {
    return Status::Conflict("'" + path + "' has schema version " + std::to_string(*version) +
                            ", newer than this tgate's (" + std::to_string(latest) +
                            "): copy it with the tgate that wrote it");
  }
  // One snapshot for every table: a deferred transaction reads one.
  TGATE_RETURN_IF_ERROR(ExecSql(db.get(), "BEGIN"));
  return db;
}

// Where the table's identity must start: past the largest id SQLite ever gave
// (sqlite_sequence remembers ids of rows since deleted: never reuse them).
Result<int64_t> NextId(sqlite3* db, const char* table) {
  const std::string name(table);
  TGATE_ASSIGN_OR_RETURN(int64_t seq,
                         ReadInt(db, "SELECT seq FROM sqlite_sequence WHERE name = '" + name + "'"));
  TGATE_ASSIGN_OR_RETURN(int64_t max_id, ReadInt(db, "SELECT max(id) FROM " + name));
  return std::max(seq, max_id) + 1;
}

std::string SelectSql(const Table& t) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += t.columns[i].sqlite;
  }
  return sql + " FROM " + t.name + " ORDER BY " + t.order_by;
}

std::string InsertSql(const Table& t) {
  std::string cols, args;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) {
      cols += ", ";
      args += ", ";
    }
    cols += t.columns[i].pg;
    args += "$" + std::to_string(i + 1) + (t.columns[i].kind == Kind::kInt ? "::bigint[]" : "::text[]");
  }
  return std::string("INSERT INTO ") + t.name + " (" + cols + ")" +
         (t.identity ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT * FROM unnest(" + args + ")";
}

Status InTable(const Table& t, const Status& s) {
  return Status(s.code(), std::string("copying ") + t.name + ": " + s.message());
}

// Copies one table's rows from `db` into the transaction on `conn`; the rows
// written.
Awaitable<Result<int64_t>> CopyTable(sqlite3* db, pg::Connection& conn, const Table& t,
                                     const CopyOptions& options) {
  auto prepared = Prepare(db, SelectSql(t));
  if (!prepared.ok()) co_return InTable(t, prepared.status());
  SqliteStmt st = std::move(prepared).value();
  const std::string insert = InsertSql(t);
  const size_t batch_rows = std::max<size_t>(options.batch_rows, 1);
  const size_t per_trip = std::max<size_t>(options.batches_per_round_trip, 1);
  std::vector<ArrayLiteral> arrays(t.columns.size());
  std::vector<pg::Statement> pending;
  size_t in_batch = 0;
  size_t batch_bytes = 0, trip_bytes = 0;
  int64_t read = 0, written = 0;
  auto close_batch = [&] {
    pg::Statement stmt{insert, {}};
    for (ArrayLiteral& a : arrays) {
      std::string literal = a.Take();
      stmt.params.Add(literal);
    }
    pending.push_back(std::move(stmt));
    trip_bytes += batch_bytes;
    in_batch = 0;
    batch_bytes = 0;
  };
  bool done = false;
  while (!done) {
    int rc = sqlite3_step(st.get());
    if (rc == SQLITE_ROW) {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        const int i = static_cast<int>(c);
        if (sqlite3_column_type(st.get(), i) == SQLITE_NULL) {
          arrays[c].AddNull();
        } else if (t.columns[c].kind == Kind::kInt) {
          arrays[c].AddInt(sqlite3_column_int64(st.get(), i));
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), i));
          const auto size = static_cast<size_t>(sqlite3_column_bytes(st.get(), i));
          arrays[c].AddText(std::string_view(text, size));
          batch_bytes += size;
        }
      }
      ++read;
      if (++in_batch == batch_rows || batch_bytes >= options.max_batch_bytes) close_batch();
    } else if (rc == SQLITE_DONE) {
      if (in_batch > 0) close_batch();
      done = true;
    } else {
      co_return InTable(t, SqliteError(db, rc, "read the source"));
    }
    if (!pending.empty() && (pending.size() == per_trip || trip_bytes >= options.max_trip_bytes || done)) {
      auto results = co_await conn.Pipeline(pending);
      if (!results.ok()) co_return InTable(t, results.status());
      for (const pg::Rows& r : *results) written += r.affected();
      pending.clear();
      trip_bytes = 0;
    }
  }
  if (written != read) {
    co_return Status::Internal(std::string("copying ") + t.name + ": read " + std::to_string(read) +
                               " rows but wrote " + std::to_string(written));
  }
  co_return written;
}

// Locks the target's store tables against every writer until the end of the
// transaction, then checks they hold no row.
Awaitable<Status> LockEmptyTarget(pg::Connection& conn) {
  std::string lock = "LOCK TABLE ";
  std::string probe;
  for (const char* t : kTargetTables) {
    if (!probe.empty()) {
      lock += ", ";
      probe += " UNION ALL ";
    }
    lock += t;
    probe += std::string("SELECT '") + t + "' WHERE EXISTS (SELECT 1 FROM " + t + ")";
  }
  lock += " IN EXCLUSIVE MODE";
  // A running tgate holds these tables only briefly; one that never lets go
  // is reported rather than waited for.
  auto timeout = co_await conn.Query("SET LOCAL lock_timeout = '10s'");
  TGATE_CO_RETURN_IF_ERROR(timeout.status());
  auto locked = co_await conn.Query(lock);
  if (!locked.ok()) {
    co_return Status(locked.status().code(),
                     "cannot lock the target's tables (is a tgate running on it? stop it first): " +
                         locked.status().message());
  }
  auto rows = co_await conn.Query(probe);
  TGATE_CO_RETURN_IF_ERROR(rows.status());
  if (!rows->empty()) {
    std::string which;
    for (int r = 0; r < rows->size(); ++r) which += (r > 0 ? ", " : "") + std::string(rows->Text(r, 0));
    co_return Status::Conflict("the target already holds data (" + which + "); copy into an empty database");
  }
  co_return Status::Ok();
}

// PostgreSQL keeps binding_counts with a row trigger (pg_migrations.cc).
// Fired per copied binding it updates one row per bot again and again in one
// transaction, each update walking the row's growing chain of versions:
// quadratic, minutes for 100k bindings. So the copy switches it off, counts
// once, and switches it on again, all inside its transaction (ALTER TABLE
// holds the table exclusively until commit: no other session ever sees the
// trigger off, and a rollback undoes it all).
constexpr const char* kDisableCountTrigger = "ALTER TABLE bindings DISABLE TRIGGER bindings_count";
constexpr const char* kCountBindings =
    "INSERT INTO binding_counts (bot, active) SELECT bot, count(*) FROM bindings WHERE status = 0 GROUP BY "
    "bot; "
    "ALTER TABLE bindings ENABLE TRIGGER bindings_count";

// Everything after BEGIN: the caller commits on OK, rolls back otherwise.
Awaitable<Status> CopyAll(sqlite3* db, pg::Connection& conn, const CopyOptions& options, CopyReport* report) {
  Status empty = co_await LockEmptyTarget(conn);
  TGATE_CO_RETURN_IF_ERROR(empty);
  for (const Table& t : Tables()) {
    const bool bindings = std::string_view(t.name) == "bindings";
    if (bindings) {
      auto off = co_await conn.Query(kDisableCountTrigger);
      if (!off.ok()) co_return InTable(t, off.status());
    }
    auto rows = co_await CopyTable(db, conn, t, options);
    if (!rows.ok()) co_return rows.status();
    report->tables.push_back({t.name, *rows});
    if (options.on_table) options.on_table(report->tables.back());
    if (bindings) {
      auto counted = co_await conn.Query(kCountBindings);
      if (!counted.ok()) co_return InTable(t, counted.status());
    }
    if (!t.identity) continue;
    auto next = NextId(db, t.name);
    if (!next.ok()) co_return InTable(t, next.status());
    const std::string name(t.name);
    if (name == "messages") report->next_message_id = *next;
    if (name == "broadcasts") report->next_broadcast_id = *next;
    if (name == "events") report->next_event_id = *next;
    if (*next <= 1) continue;  // nothing ever stored: the identity starts at 1 already
    // setval(n): the next value given is n + 1.
    const std::string setval =
        "SELECT setval(pg_get_serial_sequence('" + name + "', 'id'), " + std::to_string(*next - 1) + ")";
    auto moved = co_await conn.Query(setval);
    if (!moved.ok()) co_return InTable(t, moved.status());
  }
  co_return Status::Ok();
}

}  // namespace

Awaitable<Result<CopyReport>> CopyStore(asio::any_io_executor executor, const CopyOptions& options) {
  if (!pg::IsPostgresUrl(options.to)) {
    co_return Status::InvalidArgument("the target must be a PostgreSQL URL (postgresql://user@host:port/db)");
  }
  auto source = OpenSource(options.from);
  if (!source.ok()) co_return source.status();
  SqliteDb db = std::move(source).value();

  const std::string where = pg::Redact(options.to);
  auto connected = co_await pg::Connection::Connect(executor, options.to);
  if (!connected.ok()) {
    co_return Status(connected.status().code(),
                     "cannot reach the target " + where + ": " + connected.status().message());
  }
  std::unique_ptr<pg::Connection> conn = std::move(connected).value();
  Status migrated = co_await MigratePg(*conn);
  if (!migrated.ok()) {
    co_return Status(migrated.code(), "cannot migrate the target " + where + ": " + migrated.message());
  }

  auto begin = co_await conn->Query("BEGIN");
  if (!begin.ok()) co_return begin.status();
  CopyReport report;
  Status s = co_await CopyAll(db.get(), *conn, options, &report);
  if (s.ok()) {
    auto commit = co_await conn->Query("COMMIT");
    s = commit.status();
    if (s.ok()) {
      // Statistics at once, for the plans of the first requests on the copy:
      // autovacuum's ANALYZE comes only a minute or more later, and until
      // then the planner takes each table for a few rows. The copy stands
      // either way (autovacuum still analyzes it later).
      std::string analyze = "ANALYZE";
      const char* separator = " ";
      for (const char* t : kTargetTables) {
        analyze += separator;
        analyze += t;
        separator = ", ";
      }
      auto analyzed = co_await conn->Query(analyze);
      (void)analyzed;
    }
  } else if (!conn->broken()) {
    auto rollback = co_await conn->Query("ROLLBACK");  // the error above is the one to report
    (void)rollback;
  }
  if (!s.ok()) co_return s;
  co_return report;
}

}  // namespace tgate::store
