// The page cache layer: its bound never falls below a page the cache holds
// (else a truncate it skips would leave a page past the database's end in
// the cache), and with SQLite under it a commit skips the scan while a
// rollback still drops what it must.
#include "store/sqlite_page_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "core/testing.h"
#include "store/sqlite_statement.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

// Before any test (or anything else in this binary) initialises SQLite.
const bool kInstalled = InstallSqlitePageCache();

// The page number a 4 KB-page database's balance renumbers through.
constexpr uint32_t kPendingBytePage = 0x40000000 / 4096 + 1;

TEST(PageNumberBound, ABalanceSwapThroughThePendingBytePageLeavesTheBoundWhereItWas) {
  PageNumberBound bound;
  for (uint32_t page = 1; page <= 100; ++page) bound.Holds(page);
  // balance_nonroot puts new pages in ascending order by swapping numbers.
  bound.Moved(40, kPendingBytePage);
  bound.Moved(90, 40);
  bound.Moved(kPendingBytePage, 90);
  EXPECT_EQ(bound.highest(), 100u);
  EXPECT_FALSE(bound.MayHoldFrom(101));  // the commit's truncate to 100 pages has nothing to do
  EXPECT_TRUE(bound.MayHoldFrom(100));
}

TEST(PageNumberBound, ATruncateLowersTheBoundToItsLimit) {
  PageNumberBound bound;
  for (uint32_t page = 1; page <= 50; ++page) bound.Holds(page);
  bound.Truncated(21);
  EXPECT_EQ(bound.highest(), 20u);
  bound.Truncated(0);
  EXPECT_EQ(bound.highest(), 0u);
  EXPECT_FALSE(bound.MayHoldFrom(1));
}

// Random fetches, renumberings (to free numbers, to the pending-byte page
// and back), truncates, and pages the cache drops without a word, against
// the exact set held: the bound is never below its highest page.
TEST(PageNumberBound, NeverFallsBelowAPageHeld) {
  std::mt19937 rng(20261206);
  for (int round = 0; round < 50; ++round) {
    PageNumberBound bound;
    std::set<uint32_t> held;
    auto random_held = [&] {
      auto it = held.begin();
      std::advance(it, std::uniform_int_distribution<size_t>(0, held.size() - 1)(rng));
      return *it;
    };
    for (int step = 0; step < 2000; ++step) {
      const int op = std::uniform_int_distribution<int>(0, 9)(rng);
      if (op <= 4 || held.empty()) {
        const uint32_t page = std::uniform_int_distribution<uint32_t>(1, 400)(rng);
        held.insert(page);
        bound.Holds(page);
      } else if (op <= 6) {
        const uint32_t from = random_held();
        uint32_t to = op == 5 ? kPendingBytePage : std::uniform_int_distribution<uint32_t>(1, 400)(rng);
        if (held.count(to)) continue;  // a number is held by one page at most
        held.erase(from);
        held.insert(to);
        bound.Moved(from, to);
      } else if (op == 7) {
        held.erase(random_held());  // evicted by the cache itself: the bound is not told
      } else if (op == 8) {
        const uint32_t limit = std::uniform_int_distribution<uint32_t>(0, 450)(rng);
        if (bound.MayHoldFrom(limit)) {
          held.erase(held.lower_bound(limit), held.end());
          bound.Truncated(limit);
        } else {
          ASSERT_TRUE(held.empty() || *held.rbegin() < limit) << "a skipped truncate would leave a page";
        }
      } else {
        if (!held.count(kPendingBytePage)) continue;
        uint32_t to = std::uniform_int_distribution<uint32_t>(1, 400)(rng);
        if (held.count(to)) continue;
        held.erase(kPendingBytePage);
        held.insert(to);
        bound.Moved(kPendingBytePage, to);
      }
      if (!held.empty()) {
        ASSERT_GE(bound.highest(), *held.rbegin()) << "round " << round << " step " << step;
      }
    }
  }
}

// As tgate's messages table: random keys in a unique index, so pages split
// in the middle of the index and the balance renumbers them.
constexpr const char* kSchema =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; "
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v TEXT); CREATE UNIQUE INDEX t_by_k ON t (k)";

constexpr const char* kInsertOne = "INSERT INTO t (k, v) VALUES (hex(randomblob(16)), hex(randomblob(100)))";

// One transaction of fifty single-row inserts, as a batch of POST
// /v1/messages. (One INSERT ... SELECT would read its rows through an
// ephemeral table, whose own small cache is truncated as it closes.)
void InsertFifty(sqlite3* db) {
  ASSERT_OK(ExecSql(db, "BEGIN"));
  for (int i = 0; i < 50; ++i) ASSERT_OK(ExecSql(db, kInsertOne));
  ASSERT_OK(ExecSql(db, "COMMIT"));
}

void ExpectIntactWithRows(sqlite3* db, int rows) {
  EXPECT_EQ(testing::SqliteText(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::SqliteText(db, "SELECT count(*) FROM t"), std::to_string(rows));
}

// A database file with kSchema, and a connection to it through the cache.
class SqlitePageCache : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kInstalled);
    db_ = testing::OpenRawSqlite(file_.path());
    ASSERT_OK(ExecSql(db_, kSchema));
  }
  void TearDown() override { sqlite3_close(db_); }

  testing::TempDbPath file_;
  sqlite3* db_ = nullptr;
};

TEST_F(SqlitePageCache, CommitsOfInsertsIntoARandomIndexSkipTheTruncate) {
  const PageCacheTruncates before = SqlitePageCacheTruncates();
  constexpr int kCommits = 300;
  for (int i = 0; i < kCommits; ++i) ASSERT_NO_FATAL_FAILURE(InsertFifty(db_));
  const PageCacheTruncates after = SqlitePageCacheTruncates();
  // pcache1 alone would scan its whole table at most of these commits.
  EXPECT_GE(after.skipped - before.skipped, kCommits);
  EXPECT_LE(after.passed - before.passed, 2);
  ExpectIntactWithRows(db_, kCommits * 50);
}

// A rolled-back transaction grew the database in the cache only: the
// rollback's truncate goes through and drops those pages, so the next
// transaction's new pages start from what is on disk.
TEST_F(SqlitePageCache, ARollbackDropsThePagesItHadAdded) {
  ASSERT_NO_FATAL_FAILURE(InsertFifty(db_));
  for (int round = 0; round < 5; ++round) {
    const PageCacheTruncates before = SqlitePageCacheTruncates();
    ASSERT_OK(ExecSql(db_, "BEGIN"));
    for (int i = 0; i < 2000; ++i) ASSERT_OK(ExecSql(db_, kInsertOne));
    ASSERT_OK(ExecSql(db_, "ROLLBACK"));
    EXPECT_GE(SqlitePageCacheTruncates().passed - before.passed, 1);
    ASSERT_NO_FATAL_FAILURE(InsertFifty(db_));
  }
  ExpectIntactWithRows(db_, 6 * 50);
  // Read again from the files alone, by a connection with a cold cache.
  sqlite3* again = testing::OpenRawSqlite(file_.path());
  ExpectIntactWithRows(again, 6 * 50);
  sqlite3_close(again);
}

// A connection whose cached pages another connection changed drops them all
// (a truncate to 0) before it reads again: it sees every row the other wrote.
TEST_F(SqlitePageCache, AReaderSeesWhatAnotherConnectionWrote) {
  sqlite3* writer = db_;
  sqlite3* reader = testing::OpenRawSqlite(file_.path());
  for (int round = 1; round <= 10; ++round) {
    ASSERT_NO_FATAL_FAILURE(InsertFifty(writer));
    ASSERT_OK(ExecSql(writer, "UPDATE t SET v = hex(randomblob(100)) WHERE id % 7 = 0"));
    const PageCacheTruncates before = SqlitePageCacheTruncates();
    EXPECT_EQ(testing::SqliteText(reader, "SELECT count(*) FROM t"), std::to_string(round * 50));
    if (round > 1) {
      EXPECT_GE(SqlitePageCacheTruncates().passed - before.passed, 1);
    }
    EXPECT_EQ(testing::SqliteText(reader, "SELECT count(*) FROM t WHERE k IN (SELECT k FROM t)"),
              std::to_string(round * 50));
  }
  ExpectIntactWithRows(reader, 10 * 50);
  sqlite3_close(reader);
}

}  // namespace
}  // namespace tgate::store
