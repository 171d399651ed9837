// The Store as a whole: its status words, opening it, transactions (rollback
// on error, nesting as savepoints), data surviving a reopen, the events
// backlog for /metrics and the readiness write probe. Each role has its own
// file: store_links_test, store_queue_test, store_outcomes_test,
// store_inbox_test, store_broadcast_test, store_retention_test.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "core/status_macros.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

TEST(StoreStrings, StatusWords) {
  EXPECT_EQ(ToString(MessageStatus::kQueued), "queued");
  EXPECT_EQ(ToString(MessageStatus::kSent), "sent");
  EXPECT_EQ(ToString(MessageStatus::kFailed), "failed");
  EXPECT_EQ(ToString(MessageStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(UserStatus::kActive), "active");
  EXPECT_EQ(ToString(UserStatus::kBlocked), "blocked");
}

TEST(StoreOpen, RefusesUnknownSynchronousAndOpensThroughTheInterface) {
  StoreOptions bad{":memory:", "sometimes"};
  EXPECT_EQ(Store::Open(bad).status().code(), Code::kInvalidArgument);
  StoreOptions full{":memory:", "FULL"};
  auto store = Store::Open(full);
  ASSERT_OK(store);
  EXPECT_EQ(Await((*store)->CountBindings("b", UserStatus::kActive)).value(), 0);
}

TEST_P(StoreTest, RunInTransactionRollsBackEverythingOnError) {
  MustBind("bot", "alice", 10);
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    const LinkToken token{"t", "bot", "1", 5};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.PutLinkToken(token));
    const Binding binding{"bot", "bob", 10, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    auto enqueued = co_await tx.Enqueue(Direct("bot", 10, "x"));
    if (!enqueued.ok()) co_return enqueued.status();
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"type":"x"})", 1));
    co_return Status::Unavailable("give up");
  }));
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(s.message(), "give up");
  EXPECT_TRUE(Await(store_->TakeLinkToken("t")).status().IsNotFound());
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "alice");
  EXPECT_TRUE(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10))->empty());
  EXPECT_TRUE(Await(store_->DueEvents(100, 10))->empty());
  // The connection is usable afterwards.
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"t", "bot", "1", 5})));
}

// The contract forbids callers to nest RunInTransaction; SqliteStore's own
// multi-statement methods (Bind, WriteOutcomes, ...) nest inside a caller's
// transaction as savepoints, which is what this tests.
TEST_P(StoreTest, NestedTransactionsJoinTheOuterOne) {
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const LinkToken outer{"outer", "bot", "1", 5};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.PutLinkToken(outer));
    // A failing inner transaction undoes only its own writes.
    Status inner = co_await tx.RunInTransaction([&](Store& inner_tx) -> Awaitable<Status> {
      const LinkToken inner_token{"inner", "bot", "2", 5};
      TGATE_CO_RETURN_IF_ERROR(co_await inner_tx.PutLinkToken(inner_token));
      co_return Status::Internal("inner fails");
    });
    EXPECT_EQ(inner.code(), Code::kInternal);
    // Multi-statement methods (Bind) nest as savepoints too.
    const Binding alice{"bot", "alice", 10, UserStatus::kActive, 100};
    Status bound = co_await tx.Bind(alice);
    EXPECT_OK(bound);
    co_return Status::Ok();
  })));
  EXPECT_OK(Await(store_->TakeLinkToken("outer")));
  EXPECT_TRUE(Await(store_->TakeLinkToken("inner")).status().IsNotFound());
  EXPECT_OK(Await(store_->GetBinding("bot", "alice")));

  // An outer failure undoes an inner success.
  Status s = Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.RunInTransaction([&](Store& inner_tx) -> Awaitable<Status> {
      const LinkToken gone{"gone", "bot", "3", 5};
      co_return co_await inner_tx.PutLinkToken(gone);
    }));
    co_return Status::Conflict("outer fails");
  }));
  EXPECT_TRUE(s.IsConflict());
  EXPECT_TRUE(Await(store_->TakeLinkToken("gone")).status().IsNotFound());
}

// A new database file gets 2 KiB pages (sqlite_store.cc says why); one
// created before, with SQLite's 4 KiB, keeps them and works as it did.
TEST(StoreOpen, ANewDatabaseHas2KiBPagesAndAnOlderOneKeepsItsOwn) {
  testing::TempDbPath fresh;
  {
    auto store = Store::Open({fresh.path(), "normal"});
    ASSERT_OK(store);
    ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"tok", "bot", "bob", 50})));
  }
  sqlite3* raw = testing::OpenRawSqlite(fresh.path());
  EXPECT_EQ(testing::SqliteText(raw, "PRAGMA page_size"), "2048");
  sqlite3_close(raw);

  testing::TempDbPath older;
  raw = testing::OpenRawSqlite(older.path());
  EXPECT_EQ(sqlite3_exec(raw, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  std::filesystem::permissions(older.path(),
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  {
    auto store = Store::Open({older.path(), "normal"});
    ASSERT_OK(store);
    ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"tok", "bot", "bob", 50})));
    EXPECT_EQ(Await((*store)->TakeLinkToken("tok"))->user, "bob");
  }
  raw = testing::OpenRawSqlite(older.path());
  EXPECT_EQ(testing::SqliteText(raw, "PRAGMA page_size"), "4096");
  EXPECT_EQ(testing::SqliteText(raw, "PRAGMA integrity_check"), "ok");
  sqlite3_close(raw);
}

TEST_P(StoreTest, DataSurvivesReopen) {
  if (!GetParam()) GTEST_SKIP() << "a :memory: database does not outlive its connection";
  MustBind("bot", "alice", 10);
  int64_t id = MustEnqueue(Direct("bot", 10, "durable"));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"tok", "bot", "bob", 50})));
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 7, "{}"})).value());
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"linked"})", 1000)));
  ASSERT_OK(Reopen());
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  EXPECT_EQ(Await(store_->GetMessage(id))->text, "durable");
  EXPECT_EQ(Await(store_->TakeLinkToken("tok"))->user, "bob");
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 7, "{}"})).value());
  EXPECT_EQ(Await(store_->DueEvents(1000, 10))->size(), 1u);
  // Ids keep growing across reopen (AUTOINCREMENT).
  EXPECT_GT(MustEnqueue(Direct("bot", 10, "next")), id);
}

// For /metrics: how many events wait and since when, the delivered ones gone.
TEST_P(StoreTest, BacklogCountsThePendingEventsAndTheOldest) {
  auto empty = Await(store_->Backlog());
  ASSERT_OK(empty);
  EXPECT_EQ(empty->pending, 0);
  EXPECT_EQ(empty->oldest_created_s, 0);
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"a"})", 5'000'000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"b"})", 9'000'000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"c"})", 7'000'000)));
  auto three = Await(store_->Backlog());
  ASSERT_OK(three);
  EXPECT_EQ(three->pending, 3);
  EXPECT_EQ(three->oldest_created_s, 5000);
  auto due = Await(store_->DueEvents(5'000'000, 1));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  ASSERT_OK(Await(store_->EventsDelivered({(*due)[0].id})));
  auto two = Await(store_->Backlog());
  ASSERT_OK(two);
  EXPECT_EQ(two->pending, 2);
  EXPECT_EQ(two->oldest_created_s, 9000) << "the oldest left is the next written";
}

// The readiness probe writes and changes nothing: the schema is the same
// version and every row is still there.
TEST_P(StoreTest, ProbeWriteCommitsAndChangesNothing) {
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->ProbeWrite()));
  ASSERT_OK(Await(store_->ProbeWrite()));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  if (GetParam() == testing::kFile) {
    ASSERT_OK(Reopen());  // the schema version is still the latest: opening migrates nothing
    EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  }
}

// A database another writer holds locked takes no writes: the probe says so
// (briefly: it must not stall the io thread for the whole busy timeout).
TEST_P(StoreTest, ProbeWriteFailsWhileAnotherWriterHoldsTheLock) {
  if (GetParam() != testing::kFile) GTEST_SKIP() << "SQLite's file lock";
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Status locked = Await(store_->ProbeWrite());
  EXPECT_FALSE(locked.ok());
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_OK(Await(store_->ProbeWrite()));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
