// RunInTransaction on PostgreSQL: one pinned connection whose writes the
// store's other connections do not see until commit, a rollback when fn
// fails, and when a statement fails even if fn goes on. Needs TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "store/pg_store.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::PgStoreTest;

TEST_F(PgStoreTest, RunInTransactionPinsOneConnectionAndRollsBack) {
  int64_t id = 0;
  Status s = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const NewMessage message = Direct("bot", 5, "in tx");
    auto enqueued = co_await tx.Enqueue(message);
    if (!enqueued.ok()) co_return enqueued.status();
    id = enqueued->id;
    // The transaction sees its own write; the store's other connections do not.
    auto inside = co_await tx.GetMessage(id);
    if (!inside.ok()) co_return inside.status();
    auto outside = co_await store_->GetMessage(id);
    if (!outside.status().IsNotFound()) co_return Status::Internal("a write leaked out of the transaction");
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    auto bound = co_await tx.Bind(alice);
    if (!bound.ok()) co_return bound;
    co_return Status::Unavailable("the caller changed its mind");
  }));
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  ASSERT_NE(id, 0);
  EXPECT_TRUE(Run(store_->GetMessage(id)).status().IsNotFound());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());
  auto count = Run(store_->CountBindings("bot", UserStatus::kActive));
  ASSERT_OK(count);
  EXPECT_EQ(*count, 0);

  // Committed when fn is OK.
  ASSERT_OK(Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    co_return co_await tx.Bind(alice);
  })));
  EXPECT_OK(Run(store_->GetBinding("bot", "alice")));
}

TEST_F(PgStoreTest, AStatementErrorInATransactionRollsItBackEvenIfFnGoesOn) {
  Status s = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    auto bound = co_await tx.Bind(alice);
    if (!bound.ok()) co_return bound;
    // A token put twice: the unique key refuses the second; fn ignores it.
    const LinkToken token{"tok", "bot", "bob", 100};
    auto first = co_await tx.PutLinkToken(token);
    if (!first.ok()) co_return first;
    auto again = co_await tx.PutLinkToken(token);
    (void)again;
    co_return Status::Ok();
  }));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());
}

// The payloads of the events in the outbox, oldest first.
class PgDeferredTest : public PgStoreTest {
 protected:
  std::vector<std::string> EventPayloads() {
    std::vector<std::string> out;
    auto due = Run(store_->DueEvents(INT64_MAX, 100));
    EXPECT_OK(due);
    if (due.ok())
      for (const Event& e : *due) out.push_back(e.payload);
    return out;
  }
};

// An event added in a transaction goes with the transaction's next
// statement, or its COMMIT: written when the transaction commits, and only
// then; not at all when it rolls back, or when the savepoint it was written
// in does (whether or not anything of that savepoint was sent yet).
TEST_F(PgDeferredTest, AnEventAddedInATransactionIsWrittenWithItsTransactionOnly) {
  // Alone in its transaction: BEGIN, the event and COMMIT in one pipeline.
  ASSERT_OK(Run(store_->RunInTransaction(
      [&](Store& tx) -> Awaitable<Status> { co_return co_await tx.AddEvent(R"({"n":"alone"})", 1000); })));
  EXPECT_EQ(EventPayloads(), std::vector<std::string>{R"({"n":"alone"})"});

  // Not sent before the transaction's next statement; rolled back with it.
  Status s = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"n":"rolled back"})", 1000));
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(alice));  // sent with the event
    auto outside = co_await store_->Backlog();
    if (!outside.ok() || outside->pending != 1) co_return Status::Internal("the event leaked out");
    co_return Status::Unavailable("the caller changed its mind");
  }));
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_EQ(EventPayloads().size(), 1u);

  // Savepoints: one whose writes were never sent, one whose were, and one
  // that holds; the outer transaction's own events around them.
  ASSERT_OK(Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"n":"outer 1"})", 1000));
    Status unsent = co_await tx.RunInTransaction([&](Store& inner) -> Awaitable<Status> {
      TGATE_CO_RETURN_IF_ERROR(co_await inner.AddEvent(R"({"n":"never sent"})", 1000));
      co_return Status::Unavailable("undone");
    });
    if (unsent.code() != Code::kUnavailable) co_return Status::Internal("unsent: " + unsent.ToString());
    Status sent = co_await tx.RunInTransaction([&](Store& inner) -> Awaitable<Status> {
      TGATE_CO_RETURN_IF_ERROR(co_await inner.AddEvent(R"({"n":"sent, rolled back"})", 1000));
      const Binding bob{"bot", "bob", 6, UserStatus::kActive, 1};
      TGATE_CO_RETURN_IF_ERROR(co_await inner.Bind(bob));  // sends the savepoint and the event
      TGATE_CO_RETURN_IF_ERROR(co_await inner.AddEvent(R"({"n":"deferred, rolled back"})", 1000));
      co_return Status::Unavailable("undone");
    });
    if (sent.code() != Code::kUnavailable) co_return Status::Internal("sent: " + sent.ToString());
    TGATE_CO_RETURN_IF_ERROR(co_await tx.RunInTransaction([&](Store& inner) -> Awaitable<Status> {
      co_return co_await inner.AddEvent(R"({"n":"inner kept"})", 1000);
    }));
    co_return co_await tx.AddEvent(R"({"n":"outer 2"})", 1000);
  })));
  EXPECT_EQ(EventPayloads(), (std::vector<std::string>{R"({"n":"alone"})", R"({"n":"outer 1"})",
                                                       R"({"n":"inner kept"})", R"({"n":"outer 2"})"}));
  EXPECT_TRUE(Run(store_->GetBinding("bot", "bob")).status().IsNotFound());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());
}

// A deferred write the server refuses (text that is not UTF-8) fails the
// transaction it was written in, wherever its error shows: at the next
// statement or at COMMIT. Nothing of the transaction is kept, and the
// connection is usable again.
TEST_F(PgDeferredTest, ADeferredWriteThatFailsFailsItsTransaction) {
  const std::string not_utf8 = "{\"n\":\"\xff\xfe\"}";
  Status at_commit = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(alice));
    co_return co_await tx.AddEvent(not_utf8, 1000);
  }));
  EXPECT_FALSE(at_commit.ok());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());

  Status at_next = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(not_utf8, 1000));
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    co_return co_await tx.Bind(alice);
  }));
  EXPECT_FALSE(at_next.ok());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());

  // In a savepoint that holds, the error shows after it: the whole
  // transaction fails.
  Status in_savepoint = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.RunInTransaction(
        [&](Store& inner) -> Awaitable<Status> { co_return co_await inner.AddEvent(not_utf8, 1000); }));
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    co_return co_await tx.Bind(alice);
  }));
  EXPECT_FALSE(in_savepoint.ok());
  EXPECT_TRUE(Run(store_->GetBinding("bot", "alice")).status().IsNotFound());
  EXPECT_TRUE(EventPayloads().empty());

  ASSERT_OK(Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const Binding alice{"bot", "alice", 5, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(alice));
    co_return co_await tx.AddEvent(R"({"n":"after"})", 1000);
  })));
  EXPECT_OK(Run(store_->GetBinding("bot", "alice")));
  EXPECT_EQ(EventPayloads(), std::vector<std::string>{R"({"n":"after"})"});
}

}  // namespace
}  // namespace tgate::store
