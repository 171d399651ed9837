// SqliteTransactions: runs functions atomically on one SQLite connection.
// The outermost call is BEGIN IMMEDIATE ... COMMIT (the write lock is taken up
// front, so a transaction never fails half-way on a lock upgrade); calls made
// inside it become SAVEPOINTs, so a failing inner step rolls back only its own
// writes and the outer function decides whether to go on.
// Not a connection: it borrows the sqlite3* and the StatementCache, which must
// outlive it. Confined to the connection's thread; not re-entrant across threads.
#pragma once

#include <sqlite3.h>

#include <functional>

#include "core/status.h"
#include "store/sqlite_statement.h"

namespace tgate::store {

class SqliteTransactions {
 public:
  SqliteTransactions(sqlite3* db, StatementCache& cache) : db_(db), cache_(cache) {}

  // Commits (or releases the savepoint) if fn returns OK, rolls back otherwise.
  // Returns fn's Status, or the commit's error.
  Status Run(const std::function<Status()>& fn);

  // Run in two halves, for a function that is a coroutine (RunInTransaction):
  // Begin opens a level (the transaction, or a savepoint inside one); End
  // closes it with fn's Status as Run does, and returns what Run would. Every
  // Begin that returned OK must be matched by one End.
  Status Begin();
  Status End(Status fn_status);

  // How many Run calls are active on this connection (0: none).
  int depth() const { return depth_; }

 private:
  Status Exec(const char* sql);
  void Rollback();

  sqlite3* db_;
  StatementCache& cache_;
  int depth_ = 0;
};

}  // namespace tgate::store
