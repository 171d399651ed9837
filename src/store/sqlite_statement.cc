#include "store/sqlite_statement.h"

#include <cassert>
#include <string>

#include "core/status_macros.h"

namespace tgate::store {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Status::Conflict(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

Status ExecSql(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "sqlite exec");
  return Status::Ok();
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  // A zero-length view may have data() == nullptr, which SQLite reads as NULL;
  // "" keeps it an empty string.
  const char* data = text.empty() ? "" : text.data();
  sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

SqliteStatement& SqliteStatement::BindOptional(int index, std::string_view text) {
  return text.empty() ? BindNull(index) : Bind(index, text);
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    RecordChanges();
    return false;
  }
  return SqliteError(db_, rc, "sqlite step");
}

Status SqliteStatement::Run() {
  for (;;) {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) {
      RecordChanges();
      return Status::Ok();
    }
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, "sqlite step");
  }
}

void SqliteStatement::RecordChanges() {
  // sqlite3_changes64 is the connection's last INSERT/UPDATE/DELETE: right
  // now that is this statement, unless it is read-only (then it is older).
  changes_ = sqlite3_stmt_readonly(stmt_) ? 0 : sqlite3_changes64(db_);
}

Result<std::vector<int64_t>> SqliteStatement::Int64Column() {
  std::vector<int64_t> values;
  for (;;) {
    TGATE_ASSIGN_OR_RETURN(auto row, Step());
    if (!row) return values;
    values.push_back(Int64(0));
  }
}

std::string SqliteStatement::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

StatementCache::~StatementCache() { Clear(); }

Result<SqliteStatement> StatementCache::Get(std::string_view sql) {
  TGATE_ASSERT_ON(thread_);
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite prepare");
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  // A statement still stepping is in use by a caller up the stack: handing it
  // out again would reset it under them. Every use ends before the next Get of
  // the same SQL in this code base.
  assert(!sqlite3_stmt_busy(it->second) && "cached statement re-entered");
  return SqliteStatement(db_, it->second);
}

void StatementCache::Clear() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
}

}  // namespace tgate::store
