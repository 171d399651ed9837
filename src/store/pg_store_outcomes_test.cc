// Outcome batches on PostgreSQL: Complete's one statement over arrays (any
// error text, one id twice applied in order), and the fence that makes a
// stale owner's batch change nothing, alone or inside a transaction. Needs
// TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::PgStoreTest;

TEST_F(PgStoreTest, ABatchCarriesAnyErrorTextAndAnIdTwiceAppliesInOrder) {
  auto a = Run(store_->Enqueue(Direct("bot", 5, "a")));
  auto b = Run(store_->Enqueue(Direct("bot", 6, "b")));
  ASSERT_OK(a);
  ASSERT_OK(b);
  // Quotes, backslashes, braces and commas pass through the text[] literal.
  const std::string error = R"(Bad Request: can't parse "entities", {x}\n)";
  ASSERT_OK(Run(store_->Complete({Completion{a->id, MessageStatus::kFailed, 1, 0, 0, 0, error},
                                  Completion{b->id, MessageStatus::kSent, 1, 1, 0, 9, ""}})));
  auto failed = Run(store_->GetMessage(a->id));
  ASSERT_OK(failed);
  EXPECT_EQ(failed->status, MessageStatus::kFailed);
  EXPECT_EQ(failed->error, error);
  auto sent = Run(store_->GetMessage(b->id));
  ASSERT_OK(sent);
  EXPECT_EQ(sent->telegram_message_id, 9);
  EXPECT_EQ(sent->error, "");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM messages WHERE error IS NULL"), 1)
      << "no error is NULL, as SQLite's";

  // One id twice: the later sees the earlier (a retry after a final outcome
  // does not revive it).
  auto c = Run(store_->Enqueue(Direct("bot", 7, "c")));
  ASSERT_OK(c);
  ASSERT_OK(Run(store_->Complete({Completion{c->id, MessageStatus::kSent, 1, 1, 0, 11, ""},
                                  Completion{c->id, MessageStatus::kQueued, 2, 0, 5000, 0, "retry"}})));
  auto once = Run(store_->GetMessage(c->id));
  ASSERT_OK(once);
  EXPECT_EQ(once->status, MessageStatus::kSent);
  EXPECT_EQ(once->telegram_message_id, 11);
}

// --- fencing

TEST_F(PgStoreTest, FencedOutcomesOfAStaleOwnerChangeNothing) {
  ASSERT_EQ(QueryInt("INSERT INTO bot_leases (bot, owner, epoch) VALUES ('bot', 'a', 1) RETURNING epoch"), 1);
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "fay", 6, UserStatus::kActive, 100})));
  auto id1 = Run(store_->Enqueue(Direct("bot", 5, "one")));
  auto id2 = Run(store_->Enqueue(Direct("bot", 6, "two")));
  ASSERT_OK(id1);
  ASSERT_OK(id2);
  store_->SetFence("bot", "a", 1);
  // Owner at the current epoch: written.
  ASSERT_OK(Run(store_->WriteOutcomes({Completion{id1->id, MessageStatus::kSent, 1, 1, 0, 77, ""}}, {},
                                      {"{\"type\":\"message.sent\"}"}, 1000)));
  auto sent = Run(store_->GetMessage(id1->id));
  ASSERT_OK(sent);
  EXPECT_EQ(sent->status, MessageStatus::kSent);

  // Another instance took the bot over: the stale owner's batch fails whole,
  // the chat it closes too (fay stays active).
  ASSERT_EQ(QueryInt("UPDATE bot_leases SET owner = 'b', epoch = 2 WHERE bot = 'bot' RETURNING epoch"), 2);
  Status s = Run(store_->WriteOutcomes({Completion{id2->id, MessageStatus::kSent, 1, 1, 0, 78, ""}},
                                       {ClosedChat{"bot", 6, UserStatus::kBlocked}},
                                       {"{\"type\":\"message.sent\"}"}, 2000));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  s = Run(store_->Complete({Completion{id2->id, MessageStatus::kFailed, 1, 0, 0, 0, "x"}}));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  auto unsent = Run(store_->GetMessage(id2->id));
  ASSERT_OK(unsent);
  EXPECT_EQ(unsent->status, MessageStatus::kQueued);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(Run(store_->GetBinding("bot", "fay"))->status, UserStatus::kActive);

  // Other bots' outcomes are not fenced by it.
  auto other = Run(store_->Enqueue(Direct("other", 9, "x")));
  ASSERT_OK(other);
  ASSERT_OK(Run(store_->Complete({Completion{other->id, MessageStatus::kSent, 1, 1, 0, 1, ""}})));

  // Without a fence the write lands (the caller's choice).
  store_->ClearFence("bot");
  ASSERT_OK(Run(store_->Complete({Completion{id2->id, MessageStatus::kSent, 1, 1, 0, 78, ""}})));
}

TEST_F(PgStoreTest, FencedOutcomesInsideATransactionFailIt) {
  ASSERT_EQ(QueryInt("INSERT INTO bot_leases (bot, owner, epoch) VALUES ('bot', 'b', 2) RETURNING epoch"), 2);
  auto id = Run(store_->Enqueue(Direct("bot", 5, "one")));
  ASSERT_OK(id);
  store_->SetFence("bot", "a", 1);
  Status s = Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    // Arguments are named: GCC 12 destroys a braced temporary in a co_await
    // expression twice.
    const Update received{"bot", 1, "{}"};
    auto update = co_await tx.InsertUpdate(received);
    if (!update.ok()) co_return update.status();
    const std::vector<Completion> batch = {Completion{id->id, MessageStatus::kSent, 1, 1, 0, 5, ""}};
    co_return co_await tx.Complete(batch);
  }));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_EQ(QueryInt("SELECT count(*) FROM updates"), 0);
}

}  // namespace
}  // namespace tgate::store
