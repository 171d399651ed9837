// SqliteStatement: a borrowed, cached prepared statement for one use. Binds
// parameters, steps, reads columns, and on destruction resets the statement
// and clears its bindings so the cache can hand it out again.
// StatementCache: owns every prepared statement of one connection, keyed by its
// SQL text, so each query is compiled once per connection (hot paths re-bind).
// Not thread-safe: confined to the thread that owns the connection. The cache
// must outlive every SqliteStatement it handed out, and the sqlite3* must
// outlive the cache.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/thread_check.h"

namespace tgate::store {

// The Status for SQLite result code `rc` on `db`: SQLITE_BUSY/LOCKED ->
// Unavailable (another process holds the lock past busy_timeout),
// SQLITE_CONSTRAINT -> Conflict, anything else -> Internal with sqlite3_errmsg.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// Runs SQL text with no parameters and no result rows (DDL, PRAGMAs).
Status ExecSql(sqlite3* db, const char* sql);

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement(SqliteStatement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), changes_(other.changes_) {
    other.stmt_ = nullptr;
  }

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT),
  // so callers may pass temporaries.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view text);
  // Empty text binds NULL (for optional columns such as idempotency_key).
  SqliteStatement& BindOptional(int index, std::string_view text);
  SqliteStatement& BindNull(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring rows. For INSERT/UPDATE/DELETE.
  Status Run();
  // Steps to completion, collecting the first column of every row (ids).
  Result<std::vector<int64_t>> Int64Column();
  // Rewinds for another Step/Run with the same bindings (re-bind to change them).
  void Reset() { sqlite3_reset(stmt_); }
  // Rows this statement changed when it last ran to completion (Run(), or
  // Step() returning false); 0 for a read-only statement or before it ran.
  // Read when the statement finished, so statements run on the connection
  // since then do not change it (sqlite3_changes64 is connection-wide).
  int64_t Changes() const { return changes_; }

  int64_t Int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;

 private:
  // Called when the statement has run to completion.
  void RecordChanges();

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int64_t changes_ = 0;
};

class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The statement for `sql`, compiled on first use. `sql` should be a string
  // literal; the key is its text. Every statement of a connection (and so
  // every Store call, transactions included) comes through here: debug builds
  // assert it is on the connection's thread (app/threads.h).
  Result<SqliteStatement> Get(std::string_view sql);
  // Finalizes every statement (before closing the connection).
  void Clear();

 private:
  sqlite3* db_;
  ThreadChecker thread_;  // the connection's: opened NOMUTEX, it is confined to one thread
  // Transparent hashing: look up by string_view without building a string.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

}  // namespace tgate::store
