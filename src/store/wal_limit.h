// WalLimit: keeps SQLite's write-ahead log bounded while writers keep
// writing. The background PASSIVE checkpoints (sqlite_checkpointer.h) copy the
// log into the database, but the log only starts over when a writer finds it
// fully copied, which sustained writes never allow: at 10,000 webhook updates/s
// it grew to 1.2 GB in a minute. Installed as the connection's WAL hook (in
// place of SQLite's autocheckpoint), after a commit that leaves more than
// `limit_bytes` in the log it runs a TRUNCATE checkpoint on the committing
// connection: it copies what the passive ones have not yet, waits (at most
// `wait`, together) for a running background pass to end and for readers to
// leave the log, and empties the file. Writers are held meanwhile, briefly:
// every writer is on this connection's thread. When that is not enough (a
// reader holds the log), the next try comes after the log has grown by
// another 1/16 of the limit; a log twice the limit is warned about once,
// until a try succeeds.
// Not the background checkpointer, and not the files' modes (db_files.h).
// Threading: the connection's thread. Must be destroyed before the connection.
#pragma once

#include <chrono>
#include <cstdint>

struct sqlite3;

namespace tgate::store {

class WalLimit {
 public:
  // `busy_timeout_ms`: the connection's busy timeout, restored after each
  // checkpoint (which waits at most `wait`).
  WalLimit(sqlite3* db, int64_t limit_bytes, std::chrono::milliseconds wait, int busy_timeout_ms);
  ~WalLimit();
  WalLimit(const WalLimit&) = delete;
  WalLimit& operator=(const WalLimit&) = delete;

  int64_t truncations() const { return truncations_; }  // checkpoints that emptied the log
  int64_t busy() const { return busy_; }                // checkpoints that readers kept from finishing

 private:
  static int Hook(void* self, sqlite3* db, const char* name, int frames);
  void AfterCommit(const char* name, int64_t frames);

  sqlite3* db_;
  int64_t frame_bytes_;   // a WAL frame: a page plus its 24-byte header
  int64_t limit_frames_;  // the limit in frames
  std::chrono::milliseconds wait_;
  int busy_timeout_ms_;
  int64_t next_try_frames_;  // the log's size in frames that triggers the next checkpoint
  bool warned_ = false;      // since the last checkpoint that emptied the log
  int64_t truncations_ = 0;
  int64_t busy_ = 0;
};

}  // namespace tgate::store
