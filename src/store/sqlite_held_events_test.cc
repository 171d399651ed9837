// SqliteHeldEvents on its own (the numbering of what it holds, what a
// rollback drops, the INSERTs of up to 16 rows), and the one read of events
// SQLite refuses: under a savepoint with events held back.
#include "store/sqlite_held_events.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/status_macros.h"
#include "core/testing.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

class HeldEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db_,
                     "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, "
                     "attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, "
                     "created_at INTEGER NOT NULL)",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
  }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  std::vector<std::string> Payloads() {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT payload FROM events ORDER BY id", -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW)
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return out;
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(HeldEventsTest, RowsAreNumberedOnAndADropForgetsThoseFromItsNumber) {
  cache_ = std::make_unique<StatementCache>(db_);
  SqliteHeldEvents held(*cache_);
  EXPECT_EQ(held.Next(), 0);
  held.Add("a", 1000);
  held.Add("b", 1000);
  held.Add("c", 1000);
  EXPECT_EQ(held.Next(), 3);
  held.Drop(1);  // b and c
  EXPECT_EQ(held.Next(), 1);
  held.Drop(5);  // nothing held from 5 on
  EXPECT_EQ(held.Next(), 1);
  ASSERT_OK(held.Write());
  EXPECT_TRUE(held.empty());
  EXPECT_EQ(held.Next(), 1);  // written rows keep their numbers
  held.Add("d", 2000);
  held.Drop(0);  // from before what was written: all that is still held
  EXPECT_TRUE(held.empty());
  EXPECT_EQ(held.Next(), 2);  // a number is never given twice
  EXPECT_EQ(Payloads(), (std::vector<std::string>{"a"}));
}

TEST_F(HeldEventsTest, ManyRowsAreWrittenSixteenToAnInsertInTheOrderAdded) {
  cache_ = std::make_unique<StatementCache>(db_);
  SqliteHeldEvents held(*cache_);
  std::vector<std::string> want;
  for (int i = 0; i < 37; ++i) {  // 16 + 16 + 5
    want.push_back("e" + std::to_string(i));
    held.Add(want.back(), 1000 + i);
  }
  ASSERT_OK(held.Write());
  EXPECT_EQ(Payloads(), want);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT min(next_attempt_ms), max(next_attempt_ms), max(created_at) FROM events",
                     -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 1000);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 1036);
  EXPECT_EQ(sqlite3_column_int64(st, 2), 1);  // seconds
  sqlite3_finalize(st);
}

// Under a savepoint a read of events would have to write the events held
// by the levels around it, where the savepoint's rollback would undo them:
// it is refused (no caller does it), and nothing of the levels around it is
// lost.
TEST(SqliteHeldEventsInAStore, AReadOfEventsUnderASavepointWithEventsHeldIsRefused) {
  testing::TempDbPath file;
  auto opened = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(opened);
  Store& s = **opened;
  ASSERT_OK(Await(s.RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"e":"outer"})", 1000));
    Status inner = co_await tx.RunInTransaction([&](Store& in) -> Awaitable<Status> {
      TGATE_CO_RETURN_IF_ERROR(co_await in.AddEvent(R"({"e":"inner"})", 1000));
      co_return (co_await in.DueEvents(5000, 10)).status();
    });
    EXPECT_EQ(inner.code(), Code::kInternal) << inner.message();
    co_return Status::Ok();
  })));
  auto due = Await(s.DueEvents(5000, 10));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].payload, R"({"e":"outer"})");
}

}  // namespace
}  // namespace tgate::store
