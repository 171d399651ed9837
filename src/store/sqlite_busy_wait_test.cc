// A connection waiting for another's lock: it takes the lock once released
// within its timeout, and fails SQLITE_BUSY (not waiting forever) otherwise.
#include "store/sqlite_busy_wait.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "core/testing.h"
#include "store/sqlite_statement.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

class SqliteBusyWait : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(file_.path().c_str(), &holder_), SQLITE_OK);
    ASSERT_EQ(sqlite3_open(file_.path().c_str(), &waiter_), SQLITE_OK);
    ASSERT_OK(ExecSql(holder_, "PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER)"));
    ASSERT_OK(ExecSql(holder_, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1)"));  // the write lock, held
  }
  void TearDown() override {
    sqlite3_close(waiter_);
    sqlite3_close(holder_);
  }
  int WaiterWrites() { return sqlite3_exec(waiter_, "INSERT INTO t VALUES (2)", nullptr, nullptr, nullptr); }

  testing::TempDbPath file_;
  sqlite3* holder_ = nullptr;
  sqlite3* waiter_ = nullptr;
};

TEST_F(SqliteBusyWait, ALockReleasedWithinTheTimeoutIsTaken) {
  SetBusyWait(waiter_, std::chrono::seconds(10));
  std::thread release([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    sqlite3_exec(holder_, "COMMIT", nullptr, nullptr, nullptr);
  });
  const int rc = WaiterWrites();
  release.join();
  EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(waiter_);
}

TEST_F(SqliteBusyWait, ALockHeldPastTheTimeoutFailsBusy) {
  // Past the 20 ms of fine looks, so the coarse ones are counted too.
  SetBusyWait(waiter_, std::chrono::milliseconds(60));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(WaiterWrites(), SQLITE_BUSY);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
  ASSERT_OK(ExecSql(holder_, "COMMIT"));
  EXPECT_EQ(WaiterWrites(), SQLITE_OK) << "the lock, free again, is taken";
}

}  // namespace
}  // namespace tgate::store
