// SqliteHeldEvents: the events a transaction adds, held until just before it
// commits and written then, up to 16 to an INSERT (SqliteTransactions calls
// Write()). A webhook batch adds an event for most updates, and a one-row
// INSERT into events costs about twice a row of a larger one: the table is
// AUTOINCREMENT, so every INSERT also reads and writes sqlite_sequence, on top
// of the statement's own cost. Rows keep the order they were added in, so
// event ids stay in creation order; a level of the transaction that rolls
// back drops the rows it added.
// Not a reader of events: a read of the events table inside a transaction
// must write what is held first (WriteForRead()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_transaction.h"

namespace tgate::store {

class SqliteHeldEvents final : public HeldWrites {
 public:
  // `cache` (the connection's) must outlive this.
  explicit SqliteHeldEvents(StatementCache& cache) : cache_(cache) {}

  void Add(std::string_view payload_json, int64_t now_ms);
  bool empty() const { return rows_.empty(); }

  // Before a read of the events table at transaction depth `depth`: writes
  // what is held at the outermost level, where only the whole transaction
  // can roll back, and refuses under a savepoint, whose rollback would also
  // undo rows of the levels around it (no caller reads events there).
  Status WriteForRead(int depth);

  int64_t Next() const override { return first_ + static_cast<int64_t>(rows_.size()); }
  void Drop(int64_t from) override;
  Status Write() override;

  // Rows an INSERT writes, at most.
  static constexpr size_t kMaxRowsPerInsert = 16;

 private:
  struct Row {
    std::string payload;
    int64_t now_ms;
  };

  StatementCache& cache_;
  std::vector<Row> rows_;
  int64_t first_ = 0;  // the number of rows_[0]
};

}  // namespace tgate::store
