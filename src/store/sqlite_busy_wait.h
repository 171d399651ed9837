// SetBusyWait: how a SQLite connection of tgate's waits for a lock another
// connection holds (the background checkpointer holding the writers while it
// has the WAL start over, another process's transaction): it looks again
// every 100 us for the first 20 ms, then every millisecond, until `timeout`
// has passed; then the statement fails with SQLITE_BUSY, as with
// sqlite3_busy_timeout. SQLite's own busy_timeout sleeps 1, 2, 5, 10, 15,
// 20 ... ms between looks, so a writer held 8 ms by a checkpoint waited 18
// ms, and with one io thread every request waited with it.
// Not a lock, and not a retry of whole transactions: SQLite calls it for
// each busy lock within a statement.
// Threading: the connection's; replaces any busy handler or busy_timeout.
#pragma once

#include <chrono>

struct sqlite3;

namespace tgate::store {

void SetBusyWait(sqlite3* db, std::chrono::milliseconds timeout);

}  // namespace tgate::store
