// SqliteCheckpointer: moves the WAL back into the database file from a
// background thread with its own connection, so the io thread never stalls on
// a checkpoint's writes and fsync (SQLite's automatic checkpoint runs inside
// whichever commit crosses the threshold — on the thread serving requests).
// PASSIVE checkpoints never block readers or writers. Not used for :memory:.
// Thread-safety: owns its thread; destruction stops and joins it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"

struct sqlite3;

namespace tgate::store {

class SqliteCheckpointer {
 public:
  static Result<std::unique_ptr<SqliteCheckpointer>> Start(const std::string& path,
                                                           std::chrono::milliseconds period);
  ~SqliteCheckpointer();

 private:
  SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds period);
  void Run();

  sqlite3* db_;
  std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace tgate::store
