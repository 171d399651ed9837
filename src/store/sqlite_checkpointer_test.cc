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

int64_t CountRows(sqlite3* db) {
  int64_t rows = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    rows = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return rows;
}

constexpr char kInsert2000[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
    "INSERT INTO t SELECT printf('%0500d', i) FROM n";

TEST(SqliteCheckpointer, ANudgedPassHasAWalOverTheLimitStartOver) {
  testing::TempDbPath file;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &writer), SQLITE_OK);
  ASSERT_OK(
      ExecSql(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)"));
  // A period no test waits out: only the nudge starts a pass.
  auto cp = SqliteCheckpointer::Start(file.path(), std::chrono::hours(1), 256 * 1024);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  ASSERT_OK(ExecSql(writer, kInsert2000));
  const std::string wal = file.path() + "-wal";
  const auto size = std::filesystem::file_size(wal);
  ASSERT_GT(size, 512u * 1024);
  const int64_t sequence = testing::WalSequence(file.path());
  (*cp)->Nudge();
  ASSERT_TRUE(WaitFor([&] { return (*cp)->passes() >= 1; }));
  // The pass done, the writer's next commit starts the log over: at the
  // file's start, under a new sequence number.
  int commits = 0;
  EXPECT_TRUE(WaitFor([&] {
    ++commits;
    return ExecSql(writer, "INSERT INTO t VALUES ('one more')").ok() &&
           testing::WalSequence(file.path()) != sequence;
  })) << "the log never started over";
  EXPECT_EQ(std::filesystem::file_size(wal), size) << "the file is written again, neither grown nor cut";
  EXPECT_EQ(CountRows(writer), 2000 + commits);
  cp->reset();
  sqlite3_close(writer);
}

TEST(SqliteCheckpointer, AWalNobodyWritesToIsTruncated) {
  testing::TempDbPath file;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &writer), SQLITE_OK);
  ASSERT_OK(
      ExecSql(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)"));
  auto cp = SqliteCheckpointer::Start(file.path(), std::chrono::milliseconds(10), 256 * 1024);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  ASSERT_OK(ExecSql(writer, kInsert2000));
  const std::string wal = file.path() + "-wal";
  ASSERT_GT(std::filesystem::file_size(wal), 512u * 1024);
  // Two passes find the same log, all of it copied: the second gives the
  // file back.
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::file_size(wal) == 0; }))
      << "the WAL stayed at " << std::filesystem::file_size(wal) << " bytes";
  EXPECT_EQ(CountRows(writer), 2000);
  cp->reset();
  sqlite3_close(writer);
}

}  // namespace
}  // namespace tgate::store
