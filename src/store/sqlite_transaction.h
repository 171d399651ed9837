// SqliteTransactions: runs functions atomically on one SQLite connection.
// The outermost call is BEGIN IMMEDIATE ... COMMIT (the write lock is taken up
// front, so a transaction never fails half-way on a lock upgrade); calls made
// inside it become SAVEPOINTs, so a failing inner step rolls back only its own
// writes and the outer function decides whether to go on.
// Not a connection: it borrows the sqlite3* and the StatementCache, which must
// outlive it. Confined to the connection's thread; not re-entrant across threads.
// Writes a store holds back until the commit (HeldWrites) are kept in step
// with the levels: written just before the outermost COMMIT, dropped with a
// level that rolls back.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"

namespace tgate::store {

// Rows a store holds back inside a transaction, to write them together just
// before it commits (many one-row INSERTs cost far more than one of many
// rows). Each row held is numbered, from 0 on, for the connection's life.
class HeldWrites {
 public:
  virtual ~HeldWrites() = default;
  // The number the next row held will get.
  virtual int64_t Next() const = 0;
  // Forgets the rows numbered `from` on that are still held (those written
  // meanwhile are undone by the rollback itself).
  virtual void Drop(int64_t from) = 0;
  // Writes every row held, inside the transaction.
  virtual Status Write() = 0;
};

class SqliteTransactions {
 public:
  // `held` (may be null) must outlive this.
  SqliteTransactions(sqlite3* db, StatementCache& cache, HeldWrites* held = nullptr)
      : db_(db), cache_(cache), held_(held) {}

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
  HeldWrites* held_;
  int depth_ = 0;
  std::vector<int64_t> held_from_;  // by level: held_->Next() when it began
};

}  // namespace tgate::store
