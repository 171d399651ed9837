// SqliteCheckpointer: moves the WAL back into the database file from a
// background thread with its own connection, so the io thread never stalls on
// a checkpoint's writes and fsync (SQLite's automatic checkpoint runs inside
// whichever commit crosses the threshold — on the thread serving requests).
// PASSIVE checkpoints never block readers or writers. With a WAL limit, a
// pass that finds more than the limit in the log then has it start over: the
// bulk was just copied without holding anyone, so the RESTART checkpoint that
// follows holds writers only to copy the rest (they wait in their busy
// handler), and the next commit writes the file again from its start. A pass
// that finds nothing committed since the last one and all of it copied
// truncates the file (nobody is writing, so nobody is held): after a burst
// the disk is given back once writes pause. Nudge() starts a pass at once
// (the writer's WAL hook calls it when the log passes the limit: see
// wal_limit.h). Not used for :memory:.
// Thread-safety: owns its thread; Nudge() may be called from any thread;
// destruction stops and joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"

struct sqlite3;

namespace tgate::store {

class SqliteCheckpointer {
 public:
  // `wal_limit_bytes` 0: passive passes only.
  static Result<std::unique_ptr<SqliteCheckpointer>> Start(const std::string& path,
                                                           std::chrono::milliseconds period,
                                                           int64_t wal_limit_bytes = 0);
  ~SqliteCheckpointer();

  // Runs a pass now (or as soon as the current one ends).
  void Nudge();
  // Passes finished so far.
  int64_t passes() const { return passes_.load(); }

 private:
  SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds period, int64_t limit_frames);
  void Run();

  sqlite3* db_;
  std::chrono::milliseconds period_;
  int64_t limit_frames_;   // 0: no limit
  int64_t last_log_ = -1;  // the log's frames at the last pass (-1: it failed); Run()'s own
  std::atomic<bool> nudged_{false};
  std::atomic<int64_t> passes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace tgate::store
