// InstanceLock: one tgate at a time on a database file. Two `tgate serve`
// processes on one SQLite file would each dispatch the same queue — every
// message sent twice, and the bot over Telegram's limits together. The lock
// is an flock(2) on "<db>.lock" beside the database, held for the life of the
// process and released by the kernel however it ends (SIGKILL too), so a
// stale lock never blocks a restart. The file names the holder's pid, for the
// error the second process prints.
// Not a lock between connections inside one process, and not the scale-out
// story (several instances sharing one PostgreSQL); nothing for ":memory:".
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

namespace tgate::app {

class InstanceLock {
 public:
  // Conflict (saying which pid holds it and what to do) when another open
  // lock holds the database; Unavailable when the lock file cannot be made.
  static Result<std::unique_ptr<InstanceLock>> Acquire(const std::string& db_path);
  ~InstanceLock();  // unlocks; the file stays (removing it would race a new holder)
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;  // -1: nothing to lock (an in-memory database)
};

}  // namespace tgate::app
