// RunInTransaction on PostgreSQL: one pinned connection whose writes the
// store's other connections do not see until commit, a rollback when fn
// fails, and when a statement fails even if fn goes on. Needs TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace tgate::store
