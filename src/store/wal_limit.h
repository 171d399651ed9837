// WalLimit: keeps SQLite's write-ahead log bounded while writers keep
// writing. The background PASSIVE checkpoints (sqlite_checkpointer.h) copy the
// log into the database, but the log only starts over when a writer finds it
// fully copied, which sustained writes never allow: at 10,000 webhook updates/s
// it grew to 1.2 GB in a minute. Installed as the writer connection's WAL hook
// (in place of SQLite's autocheckpoint), it watches the log's size after each
// commit:
//  - past `limit_bytes` it nudges the background checkpointer, which copies the
//    log without holding anyone and then empties it, holding writers only for
//    the frames written meanwhile (sqlite_checkpointer.h);
//  - past twice the limit (the background could not, e.g. the machine is
//    starved) it has the log start over itself, with a RESTART checkpoint on
//    this connection: every writer is on this thread, so writers are held simply by
//    doing it here. It waits at most `wait` for a running background pass and
//    for readers; when a reader still holds the log, it tries again after
//    another 1/16 of the limit, with one warning until a try succeeds.
// Not the background checkpointer, and not the files' modes (db_files.h).
// Threading: the connection's thread. Must be destroyed before the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

struct sqlite3;

namespace tgate::store {

// The bytes one WAL frame takes: the database's page plus a 24-byte header.
int64_t WalFrameBytes(sqlite3* db);

class WalLimit {
 public:
  // `busy_timeout_ms`: the connection's busy timeout, restored after each
  // checkpoint it runs itself. `nudge` starts a background pass.
  WalLimit(sqlite3* db, int64_t limit_bytes, std::chrono::milliseconds wait, int busy_timeout_ms,
           std::function<void()> nudge);
  ~WalLimit();
  WalLimit(const WalLimit&) = delete;
  WalLimit& operator=(const WalLimit&) = delete;

  // Checkpoints this connection ran that had the log start over.
  int64_t restarts() const { return restarts_; }

 private:
  static int Hook(void* self, sqlite3* db, const char* name, int frames);
  void AfterCommit(const char* name, int64_t frames);

  sqlite3* db_;
  int64_t frame_bytes_;
  int64_t limit_frames_;  // the limit in frames
  std::chrono::milliseconds wait_;
  int busy_timeout_ms_;
  std::function<void()> nudge_;
  int64_t next_try_frames_;  // the log's size in frames at which this connection tries itself
  bool warned_ = false;      // since the last checkpoint that emptied the log
  int64_t restarts_ = 0;
};

}  // namespace tgate::store
