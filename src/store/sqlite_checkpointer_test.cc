#include "store/sqlite_checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/testing.h"
#include "store/sqlite_statement.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

// Waits (bounded) for the background thread: it runs on real time.
template <typename Pred>
bool WaitFor(Pred pred) {
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until;) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST(SqliteCheckpointer, MovesAnotherConnectionsWalIntoTheDatabaseFile) {
  testing::TempDbPath file;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &writer), SQLITE_OK);
  ASSERT_OK(
      ExecSql(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)"));
  // The checkpointer opens the database before any of its rows exist, as
  // tgate's does: it must still find the WAL the writer fills afterwards.
  auto cp = SqliteCheckpointer::Start(file.path(), std::chrono::milliseconds(10));
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  const auto before = std::filesystem::file_size(file.path());
  ASSERT_OK(ExecSql(writer,
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                    "INSERT INTO t SELECT printf('%0100d', i) FROM n"));
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::file_size(file.path()) > before + 100 * 1024; }))
      << "the database file stayed at " << std::filesystem::file_size(file.path()) << " bytes";
  cp->reset();
  sqlite3_close(writer);
}

TEST(SqliteCheckpointer, ANudgedPassEmptiesAWalOverTheLimit) {
  testing::TempDbPath file;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &writer), SQLITE_OK);
  ASSERT_OK(
      ExecSql(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)"));
  // A period no test waits out: only the nudge starts a pass.
  auto cp = SqliteCheckpointer::Start(file.path(), std::chrono::hours(1), 256 * 1024);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  ASSERT_OK(ExecSql(writer,
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                    "INSERT INTO t SELECT printf('%0500d', i) FROM n"));
  const std::string wal = file.path() + "-wal";
  ASSERT_GT(std::filesystem::file_size(wal), 512u * 1024);
  (*cp)->Nudge();
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::file_size(wal) == 0; }))
      << "the WAL stayed at " << std::filesystem::file_size(wal) << " bytes";
  int64_t rows = 0;
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(writer, "SELECT count(*) FROM t", -1, &st, nullptr), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) rows = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  EXPECT_EQ(rows, 2000);
  cp->reset();
  sqlite3_close(writer);
}

}  // namespace
}  // namespace tgate::store
