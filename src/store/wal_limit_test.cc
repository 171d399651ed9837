// The WAL stays bounded under sustained writes: past the limit it starts
// over (RESTART checkpoints), however fast the writer keeps writing, and
// nothing written is lost on the way.
#include "store/wal_limit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/testing.h"
#include "store/db_files.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;
using testing::WalSequence;

constexpr int64_t kLimit = int64_t{1} << 20;
// Past the limit the background checkpointer empties the log; past twice
// the limit the writer does. Room beyond that for a retry or two, should the
// writer's wait for a background pass run out on a loaded machine (each
// retry comes 1/16 of the limit later).
constexpr int64_t kBound = 3 * kLimit;

TEST(WalLimit, SustainedWritesNeverGrowTheWalPastItsBound) {
  testing::TempDbPath file;
  StoreOptions options;
  options.path = file.path();
  options.wal_limit_bytes = kLimit;
  auto store = SqliteStore::Open(options);
  ASSERT_OK(store);
  const std::string payload(4096, 'x');
  int64_t peak = 0;
  int started_over = 0;
  int64_t sequence = -1;
  // 16 MiB of updates written back to back: 16 times the limit.
  for (int64_t id = 1; id <= 4096; ++id) {
    auto inserted = Await((*store)->InsertUpdate(Update{"default", id, payload}));
    ASSERT_OK(inserted);
    const int64_t wal = WalFileBytes(file.path());
    peak = std::max(peak, wal);
    const int64_t now = WalSequence(file.path());
    if (sequence >= 0 && now != sequence) ++started_over;
    sequence = now;
    ASSERT_LE(wal, kBound) << "after update " << id;
  }
  EXPECT_GE(started_over, 8) << "the WAL started over again and again (peak " << peak << " bytes)";
  EXPECT_GT(peak, kLimit / 2) << "it filled up to the limit between checkpoints";
  auto pending = Await((*store)->PendingUpdates("default", 10000));
  ASSERT_OK(pending);
  EXPECT_EQ(pending->size(), 4096u);
}

TEST(WalLimit, BelowTheLimitTheWalIsLeftAlone) {
  testing::TempDbPath file;
  StoreOptions options;
  options.path = file.path();
  options.wal_limit_bytes = int64_t{64} << 20;
  auto store = SqliteStore::Open(options);
  ASSERT_OK(store);
  const std::string payload(4096, 'x');
  int64_t last = 0;
  for (int64_t id = 1; id <= 64; ++id) {
    ASSERT_OK(Await((*store)->InsertUpdate(Update{"default", id, payload})));
    const int64_t wal = WalFileBytes(file.path());
    ASSERT_GE(wal, last) << "nothing emptied the WAL below its limit (update " << id << ")";
    last = wal;
  }
}

}  // namespace
}  // namespace tgate::store
