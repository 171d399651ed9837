#include "store/sqlite_checkpointer.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "store/sqlite_busy_wait.h"
#include "store/wal_limit.h"

namespace tgate::store {

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(const std::string& path,
                                                                      std::chrono::milliseconds period,
                                                                      int64_t wal_limit_bytes) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Internal("checkpointer cannot open " + path + ": " + msg);
  }
  SetBusyWait(db, std::chrono::seconds(1));
  // A connection learns that the database is in WAL mode from its first read;
  // until then sqlite3_wal_checkpoint_v2 returns at once having done nothing
  // (and the WAL would grow for as long as tgate runs).
  rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    return Status::Internal("checkpointer cannot read " + path + ": " + msg);
  }
  const int64_t limit_frames =
      wal_limit_bytes > 0 ? std::max<int64_t>(1, wal_limit_bytes / WalFrameBytes(db)) : 0;
  return std::unique_ptr<SqliteCheckpointer>(new SqliteCheckpointer(db, period, limit_frames));
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds period, int64_t limit_frames)
    : db_(db), period_(period), limit_frames_(limit_frames), thread_([this] { Run(); }) {}

void SqliteCheckpointer::Nudge() {
  if (nudged_.exchange(true)) return;  // a pass is due already
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  sqlite3_close(db_);
}

void SqliteCheckpointer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period_, [this] { return stop_ || nudged_.load(); });
    if (stop_) break;
    nudged_ = false;
    lock.unlock();
    // Busy or partial results are fine: the next round continues.
    int log = 0;
    int copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    const bool quiet = rc == SQLITE_OK && log > 0 && copied == log && log == last_log_;
    last_log_ = rc == SQLITE_OK ? log : -1;
    if (quiet && limit_frames_ > 0) {
      // Nothing committed since the last pass, and all of it copied: the
      // file goes back to the disk (nothing to copy, so nobody is held).
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      last_log_ = 0;
    } else if (rc == SQLITE_OK && limit_frames_ > 0 && log > limit_frames_) {
      // Over the limit: what the pass copied need not be copied again, so
      // writers are held (up to the busy timeout) only for the remainder.
      // RESTART, not TRUNCATE: the next commit writes the file again from
      // its start, where a truncation would hold writers for the ftruncate
      // too and have the next commits grow the file anew.
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
    ++passes_;
    lock.lock();
  }
}

}  // namespace tgate::store
