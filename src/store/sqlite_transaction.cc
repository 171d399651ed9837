#include "store/sqlite_transaction.h"

#include "core/status_macros.h"

namespace tgate::store {
namespace {

// One savepoint name for every level: ROLLBACK TO / RELEASE act on the most
// recent savepoint of that name, which is the innermost active level.
constexpr const char* kSavepoint = "SAVEPOINT tgate_nested";
constexpr const char* kRelease = "RELEASE tgate_nested";
constexpr const char* kRollbackTo = "ROLLBACK TO tgate_nested";

}  // namespace

Status SqliteTransactions::Exec(const char* sql) {
  TGATE_ASSIGN_OR_RETURN(auto stmt, cache_.Get(sql));
  return stmt.Run();
}

void SqliteTransactions::Rollback() {
  // After some errors (SQLITE_FULL, SQLITE_IOERR, ...) SQLite has already
  // rolled the whole transaction back; there is nothing left to undo.
  if (sqlite3_get_autocommit(db_)) return;
  if (depth_ == 0) {
    (void)Exec("ROLLBACK");
  } else {
    // ROLLBACK TO keeps the savepoint open; RELEASE pops it.
    (void)Exec(kRollbackTo);
    (void)Exec(kRelease);
  }
}

Status SqliteTransactions::Run(const std::function<Status()>& fn) {
  TGATE_RETURN_IF_ERROR(Begin());
  return End(fn());
}

Status SqliteTransactions::Begin() {
  TGATE_RETURN_IF_ERROR(Exec(depth_ == 0 ? "BEGIN IMMEDIATE" : kSavepoint));
  ++depth_;
  held_from_.push_back(held_ ? held_->Next() : 0);
  return Status::Ok();
}

Status SqliteTransactions::End(Status fn_status) {
  --depth_;
  const int64_t held_from = held_from_.back();
  held_from_.pop_back();
  auto roll_back = [&] {
    Rollback();
    if (held_) held_->Drop(held_from);
  };
  if (!fn_status.ok()) {
    roll_back();
    return fn_status;
  }
  if (depth_ == 0 && held_) {
    if (Status w = held_->Write(); !w.ok()) {
      roll_back();
      return w;
    }
  }
  Status s = Exec(depth_ == 0 ? "COMMIT" : kRelease);
  if (!s.ok()) roll_back();
  return s;
}

}  // namespace tgate::store
