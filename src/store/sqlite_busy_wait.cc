#include "store/sqlite_busy_wait.h"

#include <sqlite3.h>

#include <cstdint>
#include <thread>

namespace tgate::store {
namespace {

constexpr int64_t kFineLooks = 200;  // every 100 us: the first 20 ms
constexpr std::chrono::microseconds kFineStep(100);
constexpr std::chrono::microseconds kCoarseStep(1000);

// `looks` is how many times SQLite has called for this lock; the time waited
// is counted from the steps slept, as sqlite3_busy_timeout counts its own.
int LookAgain(void* timeout_us, int looks) {
  const int64_t timeout = reinterpret_cast<intptr_t>(timeout_us);
  const int64_t n = looks;
  const int64_t waited = n <= kFineLooks
                             ? n * kFineStep.count()
                             : kFineLooks * kFineStep.count() + (n - kFineLooks) * kCoarseStep.count();
  if (waited >= timeout) return 0;
  std::this_thread::sleep_for(n < kFineLooks ? kFineStep : kCoarseStep);
  return 1;
}

}  // namespace

void SetBusyWait(sqlite3* db, std::chrono::milliseconds timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  sqlite3_busy_handler(db, &LookAgain, reinterpret_cast<void*>(static_cast<intptr_t>(us)));
}

}  // namespace tgate::store
