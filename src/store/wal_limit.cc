#include "store/wal_limit.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <thread>

#include "store/sqlite_busy_wait.h"

namespace tgate::store {

int64_t WalFrameBytes(sqlite3* db) {
  constexpr int64_t kWalFrameHeader = 24;
  sqlite3_stmt* st = nullptr;
  int64_t page = 4096;
  if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    page = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return (page > 0 ? page : 4096) + kWalFrameHeader;
}

WalLimit::WalLimit(sqlite3* db, int64_t limit_bytes, std::chrono::milliseconds wait, int busy_timeout_ms,
                   std::function<void()> nudge)
    : db_(db),
      frame_bytes_(WalFrameBytes(db)),
      limit_frames_(std::max<int64_t>(1, limit_bytes / frame_bytes_)),
      wait_(wait),
      busy_timeout_ms_(busy_timeout_ms),
      nudge_(std::move(nudge)),
      next_try_frames_(2 * limit_frames_) {
  sqlite3_wal_hook(db_, &WalLimit::Hook, this);
}

WalLimit::~WalLimit() { sqlite3_wal_hook(db_, nullptr, nullptr); }

int WalLimit::Hook(void* self, sqlite3* db, const char* name, int frames) {
  static_cast<WalLimit*>(self)->AfterCommit(name, frames);
  return SQLITE_OK;  // an error here would fail a statement whose commit already happened
}

void WalLimit::AfterCommit(const char* name, int64_t frames) {
  if (frames <= limit_frames_) {
    next_try_frames_ = 2 * limit_frames_;  // the log started over meanwhile
    if (warned_) spdlog::info("the database's WAL is within its bound again");
    warned_ = false;
    return;
  }
  if (nudge_) nudge_();
  if (frames < next_try_frames_) return;
  // Readers are waited for by the busy handler; a checkpoint running on
  // another connection (the background pass) makes this one busy at once, so
  // that is waited for here, within the same deadline.
  const auto deadline = std::chrono::steady_clock::now() + wait_;
  SetBusyWait(db_, wait_);
  int rc;
  for (;;) {
    int log = 0;
    int copied = 0;
    rc = sqlite3_wal_checkpoint_v2(db_, name, SQLITE_CHECKPOINT_RESTART, &log, &copied);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  SetBusyWait(db_, std::chrono::milliseconds(busy_timeout_ms_));
  if (rc == SQLITE_OK) {
    ++restarts_;
    next_try_frames_ = 2 * limit_frames_;
    return;
  }
  next_try_frames_ = frames + std::max<int64_t>(1, limit_frames_ / 16);
  if (!warned_) {
    spdlog::warn(
        "the database's WAL holds {:.1f} MiB, over twice its {:.1f} MiB bound, and checkpoints cannot empty "
        "it "
        "({}): something reading the database (a sqlite3 shell, a backup) may hold it. tgate tries again as "
        "it grows",
        double(frames * frame_bytes_) / (1 << 20), double(limit_frames_ * frame_bytes_) / (1 << 20),
        sqlite3_errstr(rc));
    warned_ = true;
  }
}

}  // namespace tgate::store
