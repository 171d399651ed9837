#include "store/sqlite_checkpointer.h"

#include <sqlite3.h>

namespace tgate::store {

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(const std::string& path,
                                                                      std::chrono::milliseconds period) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Internal("checkpointer cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 1000);
  // A connection learns that the database is in WAL mode from its first read;
  // until then sqlite3_wal_checkpoint_v2 returns at once having done nothing
  // (and the WAL would grow for as long as tgate runs).
  rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    return Status::Internal("checkpointer cannot read " + path + ": " + msg);
  }
  return std::unique_ptr<SqliteCheckpointer>(new SqliteCheckpointer(db, period));
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds period)
    : db_(db), period_(period), thread_([this] { Run(); }) {}

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
    cv_.wait_for(lock, period_);
    if (stop_) break;
    lock.unlock();
    // Busy or partial results are fine: the next round continues.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace tgate::store
