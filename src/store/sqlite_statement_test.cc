#include "store/sqlite_statement.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "core/testing.h"
#include "store/sqlite_transaction.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

TEST(SqliteError, MapsBusyToUnavailableAndConstraintToConflict) {
  EXPECT_TRUE(SqliteError(nullptr, SQLITE_BUSY, "x").IsUnavailable());
  EXPECT_TRUE(SqliteError(nullptr, SQLITE_BUSY_SNAPSHOT, "x").IsUnavailable());
  EXPECT_TRUE(SqliteError(nullptr, SQLITE_LOCKED, "x").IsUnavailable());
  EXPECT_TRUE(SqliteError(nullptr, SQLITE_CONSTRAINT_UNIQUE, "x").IsConflict());
  Status s = SqliteError(nullptr, SQLITE_IOERR, "write");
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(s.message().rfind("write: ", 0), 0u) << s.message();
}

class SqliteStatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    cache_ = std::make_unique<StatementCache>(db_);
    ASSERT_OK(ExecSql(db_, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(SqliteStatementTest, RebindsACachedStatement) {
  for (int64_t k = 1; k <= 3; ++k) {
    auto st = cache_->Get("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_OK(st);
    ASSERT_OK(st->Bind(1, k).Bind(2, std::string("v") + std::to_string(k)).Run());
    EXPECT_EQ(st->Changes(), 1);
  }
  auto st = cache_->Get("SELECT v FROM t WHERE k = ?1");
  ASSERT_OK(st);
  ASSERT_TRUE(st->Bind(1, int64_t{2}).Step().value());
  EXPECT_EQ(st->Text(0), "v2");
}

TEST_F(SqliteStatementTest, Int64ColumnCollectsTheFirstColumnOfEveryRow) {
  ASSERT_OK(ExecSql(db_, "INSERT INTO t (k, v) VALUES (3, 'c'), (1, 'a'), (2, 'b')"));
  auto st = cache_->Get("SELECT k FROM t WHERE k >= ?1 ORDER BY k");
  ASSERT_OK(st);
  auto ks = st->Bind(1, int64_t{2}).Int64Column();
  ASSERT_OK(ks);
  EXPECT_EQ(*ks, (std::vector<int64_t>{2, 3}));
}

TEST_F(SqliteStatementTest, EmptyTextIsNotNullButOptionalEmptyIs) {
  {
    auto st = cache_->Get("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_OK(st->Bind(1, int64_t{1}).Bind(2, std::string_view()).Run());
  }
  {
    auto st = cache_->Get("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_OK(st->Bind(1, int64_t{2}).BindOptional(2, "").Run());
  }
  auto st = cache_->Get("SELECT v IS NULL FROM t ORDER BY k");
  ASSERT_TRUE(st->Step().value());
  EXPECT_EQ(st->Int64(0), 0);
  ASSERT_TRUE(st->Step().value());
  EXPECT_EQ(st->Int64(0), 1);
}

TEST_F(SqliteStatementTest, ErrorsBecomeStatuses) {
  EXPECT_EQ(cache_->Get("SELEC nonsense").status().code(), Code::kInternal);
  ASSERT_OK(ExecSql(db_, "INSERT INTO t (k, v) VALUES (1, 'a')"));
  auto st = cache_->Get("INSERT INTO t (k, v) VALUES (?1, 'b')");
  EXPECT_TRUE(st->Bind(1, int64_t{1}).Run().IsConflict());
}

TEST(SqliteTransactions, BusyDatabaseIsUnavailable) {
  // A second connection holds the write lock; with no busy timeout the store's
  // BEGIN IMMEDIATE fails at once with SQLITE_BUSY.
  testing::TempDbPath file;
  sqlite3* holder = nullptr;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_open(file.path().c_str(), &db), SQLITE_OK);
  ASSERT_OK(ExecSql(holder, "PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER)"));
  ASSERT_OK(ExecSql(holder, "BEGIN IMMEDIATE"));
  {
    StatementCache cache(db);
    SqliteTransactions tx(db, cache);
    bool ran = false;
    Status s = tx.Run([&] {
      ran = true;
      return Status::Ok();
    });
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    EXPECT_FALSE(ran);
    EXPECT_EQ(tx.depth(), 0);
  }
  ASSERT_OK(ExecSql(holder, "COMMIT"));
  sqlite3_close(db);
  sqlite3_close(holder);
}

// sqlite3_changes64 is connection-wide: a statement's count must survive
// other statements run after it (CancelBroadcast reads its UPDATE's count
// after another UPDATE and a SELECT ran).
TEST_F(SqliteStatementTest, ChangesAreTheStatementsOwnAfterOthersRan) {
  ASSERT_OK(ExecSql(db_, "INSERT INTO t (k, v) VALUES (1, 'a'), (2, 'a'), (3, 'a'), (4, 'b')"));
  auto many = cache_->Get("UPDATE t SET v = 'x' WHERE v = 'a'");
  ASSERT_OK(many);
  ASSERT_OK(many->Run());
  EXPECT_EQ(many->Changes(), 3);
  auto one = cache_->Get("DELETE FROM t WHERE k = 4");
  ASSERT_OK(one);
  ASSERT_OK(one->Run());
  EXPECT_EQ(one->Changes(), 1);
  auto read = cache_->Get("SELECT count(*) FROM t");
  ASSERT_OK(read);
  auto row = read->Step();
  ASSERT_OK(row);
  ASSERT_TRUE(*row);
  EXPECT_FALSE(read->Step().value());
  EXPECT_EQ(read->Changes(), 0) << "a read changes nothing";
  EXPECT_EQ(many->Changes(), 3) << "not the DELETE's 1, which ran later";
  auto none = cache_->Get("UPDATE t SET v = 'y' WHERE k = 99");
  ASSERT_OK(none);
  ASSERT_OK(none->Run());
  EXPECT_EQ(none->Changes(), 0);
  EXPECT_EQ(many->Changes(), 3);
}

// The connection is confined to one thread (app/threads.h): in Debug and
// sanitizer builds a Store call from another thread aborts.
TEST(StoreThreadDeathTest, AStoreCallOffItsThreadAborts) {
#ifndef TGATE_THREAD_CHECKS
  GTEST_SKIP() << "thread checks are compiled out of release builds";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto s = Store::Open({":memory:"});
  ASSERT_OK(s);
  Store& store = **s;
  ASSERT_OK(testing::Await(store.MaxUpdateId("bot")));  // this thread is the store's
  EXPECT_DEATH(std::thread([&] {
                 asio::io_context io;
                 (void)tgate::testing::RunAwait(io, store.MaxUpdateId("bot"));
               }).join(),
               "called off the thread of thread_");
#endif
}

}  // namespace
}  // namespace tgate::store
