// The WAL-coalescing VFS changes when SQLite's bytes reach the WAL file, so
// these tests look at the file from elsewhere: another connection (the
// default VFS) reads each commit as soon as it returns, and a copy of the
// files taken with a transaction still open (what kill -9 leaves) opens
// intact with exactly the committed rows.
#include "store/sqlite_wal_coalescing_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "core/testing.h"
#include "store/sqlite_statement.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

int64_t Count(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW) << sqlite3_errmsg(db);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

// Rows wide enough that each insert touches several pages of the table and
// of its index.
constexpr const char* kWalTestSchema =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; "
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)";
constexpr const char* kInsertFive =
    "INSERT INTO t (k, v) SELECT hex(randomblob(16)), randomblob(3000) "
    "FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5)";

TEST(WalCoalescingVfs, EachCommitIsInTheFileWhenItReturns) {
  testing::TempDbPath file;
  sqlite3* writer = testing::OpenRawSqlite(file.path(), WalCoalescingVfs());
  ASSERT_OK(ExecSql(writer, kWalTestSchema));
  sqlite3* reader = testing::OpenRawSqlite(file.path(), nullptr);
  for (int i = 1; i <= 40; ++i) {
    ASSERT_OK(ExecSql(writer, kInsertFive));
    ASSERT_EQ(Count(reader, "SELECT count(*) FROM t"), 5 * i) << "commit " << i;
  }
  EXPECT_EQ(testing::SqliteText(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(writer);
}

// A transaction bigger than the page cache spills frames to the WAL before
// its commit, and one bigger than the VFS's buffer is written in pieces:
// both must read back, roll back and commit as without the VFS.
TEST(WalCoalescingVfs, BigAndSpillingTransactionsCommitAndRollBack) {
  testing::TempDbPath file;
  sqlite3* writer = testing::OpenRawSqlite(file.path(), WalCoalescingVfs());
  ASSERT_OK(ExecSql(writer, kWalTestSchema));
  ASSERT_OK(ExecSql(writer, "PRAGMA cache_size = 20"));
  const std::string insert_many =
      "INSERT INTO t (k, v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 800) "
      "SELECT hex(randomblob(16)), randomblob(3000) FROM n";
  ASSERT_OK(ExecSql(writer, ("BEGIN; " + insert_many + "; ROLLBACK").c_str()));
  ASSERT_EQ(Count(writer, "SELECT count(*) FROM t"), 0);
  ASSERT_OK(ExecSql(
      writer,
      ("BEGIN; " + insert_many + "; UPDATE t SET v = randomblob(100) WHERE id % 3 = 0; COMMIT").c_str()));
  sqlite3* reader = testing::OpenRawSqlite(file.path(), nullptr);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 800);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t WHERE length(v) = 100"), 266);
  EXPECT_EQ(testing::SqliteText(reader, "PRAGMA integrity_check"), "ok");
  // And the WAL is read back into the database file intact.
  ASSERT_OK(ExecSql(writer, "PRAGMA wal_checkpoint(TRUNCATE)"));
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 800);
  EXPECT_EQ(testing::SqliteText(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(writer);
}

// What kill -9 leaves is the files as the kernel has them: copied while the
// writer is mid-transaction (its spilled frames possibly still in memory),
// they must open with every committed row and none of the open transaction's.
TEST(WalCoalescingVfs, FilesTakenMidTransactionHoldExactlyTheCommits) {
  namespace fs = std::filesystem;
  testing::TempDbPath file;
  sqlite3* writer = testing::OpenRawSqlite(file.path(), WalCoalescingVfs());
  ASSERT_OK(ExecSql(writer, kWalTestSchema));
  ASSERT_OK(ExecSql(writer, "PRAGMA cache_size = 20"));
  for (int i = 0; i < 30; ++i) ASSERT_OK(ExecSql(writer, kInsertFive));
  ASSERT_OK(ExecSql(writer, "BEGIN"));
  for (int i = 0; i < 40; ++i) ASSERT_OK(ExecSql(writer, kInsertFive));
  ASSERT_EQ(Count(writer, "SELECT count(*) FROM t"), 350);  // read back through the spill

  testing::TempDbPath copy;
  fs::copy_file(file.path(), copy.path(), fs::copy_options::overwrite_existing);
  fs::copy_file(file.path() + "-wal", copy.path() + "-wal", fs::copy_options::overwrite_existing);
  sqlite3* after_crash = testing::OpenRawSqlite(copy.path(), nullptr);
  EXPECT_EQ(Count(after_crash, "SELECT count(*) FROM t"), 150);
  EXPECT_EQ(testing::SqliteText(after_crash, "PRAGMA integrity_check"), "ok");
  sqlite3_close(after_crash);
  fs::remove(copy.path() + "-wal");
  fs::remove(copy.path() + "-shm");

  ASSERT_OK(ExecSql(writer, "COMMIT"));
  sqlite3* reader = testing::OpenRawSqlite(file.path(), nullptr);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 350);
  sqlite3_close(reader);
  sqlite3_close(writer);
}

}  // namespace
}  // namespace tgate::store
