// Retention of broadcasts: PruneBroadcasts deletes a broadcast once it is
// finished, old and its messages are gone (PruneMessages goes first), never
// one still sending or still to be materialized, a bounded batch at a time.
// Time moves on the fixture's FakeClock, which also stamps the broadcasts'
// creation (through the now_ms given to CreateBroadcast).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using namespace std::chrono_literals;
using testing::StoreTest;

class BroadcastRetentionTest : public StoreTest {
 protected:
  int64_t Cutoff() const { return clock_.UnixSeconds() - 7 * 24 * 3600; }

  int64_t Create(NewBroadcast nb) {
    nb.bot = "bot";
    nb.text = "news";
    nb.options_json = "{}";
    auto b = Await(store_->CreateBroadcast(nb, clock_.UnixSeconds() * 1000));
    EXPECT_OK(b);
    return b.ok() ? b->id : 0;
  }
  int64_t ToUsers(std::vector<std::string> users) {
    NewBroadcast nb;
    nb.users = std::move(users);
    return Create(nb);
  }
  int64_t ToAll() {
    NewBroadcast nb;
    nb.all = true;
    return Create(nb);
  }
  std::vector<Message> QueuedOf(int64_t broadcast) {
    auto queued = Await(store_->LoadBroadcastQueued("bot", broadcast, 0, INT64_MAX, 10'000));
    EXPECT_OK(queued);
    return queued.ok() ? *queued : std::vector<Message>{};
  }
  // Sends every materialized message of the broadcast, in one transaction.
  void SendAll(int64_t broadcast) {
    std::vector<Completion> done;
    for (const Message& m : QueuedOf(broadcast)) done.push_back({m.id, MessageStatus::kSent, 1, 1, 0, 7, ""});
    ASSERT_OK(Await(store_->Complete(done)));
  }
  // One round's order: messages, then broadcasts. Returns the broadcasts deleted.
  int64_t PruneRound(size_t max_rows = 100) {
    PruneAll(&Store::PruneMessages, Cutoff(), max_rows);
    return PruneAll(&Store::PruneBroadcasts, Cutoff(), max_rows);
  }
  // A broadcast to "all" with one active binding more than its first chunk:
  // the chunk sent and 8 days old, the last target not materialized yet.
  int64_t AgedToAllWithOneTargetUnfilled() {
    EXPECT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
      for (int64_t chat = 1; chat <= static_cast<int64_t>(SqliteStore::kFirstChunk) + 1; ++chat) {
        const Binding binding{"bot", "u" + std::to_string(chat), chat, UserStatus::kActive, 100};
        TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
      }
      co_return Status::Ok();
    })));
    const int64_t id = ToAll();
    SendAll(id);
    clock_.Advance(8 * 24h);
    return id;
  }
  bool Exists(int64_t broadcast) {
    auto b = Await(store_->GetBroadcast(broadcast));
    EXPECT_TRUE(b.ok() || b.status().IsNotFound()) << b.status().message();
    return b.ok();
  }
};

TEST_P(BroadcastRetentionTest, AnOldFinishedBroadcastGoesOnceItsMessagesHaveGone) {
  MustBind("bot", "u1", 1);
  MustBind("bot", "u2", 2);
  const int64_t id = ToUsers({"u1", "u2"});
  SendAll(id);
  ASSERT_EQ(Await(store_->GetBroadcast(id))->status, "done");
  clock_.Advance(8 * 24h);

  // Its messages still point at it: it stays.
  EXPECT_EQ(PruneAll(&Store::PruneBroadcasts, Cutoff(), 100), 0);
  EXPECT_TRUE(Exists(id));
  EXPECT_EQ(PruneAll(&Store::PruneMessages, Cutoff(), 100), 2);
  EXPECT_EQ(PruneAll(&Store::PruneBroadcasts, Cutoff(), 100), 1);
  EXPECT_FALSE(Exists(id));
  EXPECT_TRUE(Await(store_->CancelBroadcast(id)).status().IsNotFound());
}

TEST_P(BroadcastRetentionTest, APrunedBroadcastsIdempotencyKeyIsFreeAgain) {
  MustBind("bot", "u1", 1);
  NewBroadcast nb;
  nb.users = {"u1"};
  nb.idempotency_key = "campaign-1";
  nb.idempotency_fingerprint = "fp-a";
  const int64_t first = Create(nb);
  EXPECT_EQ(Create(nb), first);  // kept as long as the broadcast
  SendAll(first);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneRound(), 1);
  nb.idempotency_fingerprint = "fp-b";
  EXPECT_GT(Create(nb), first);
}

TEST_P(BroadcastRetentionTest, AYoungFinishedBroadcastStays) {
  MustBind("bot", "u1", 1);
  const int64_t old_one = ToUsers({"u1"});
  SendAll(old_one);
  clock_.Advance(8 * 24h);
  const int64_t young = ToUsers({"u1"});
  SendAll(young);
  clock_.Advance(6 * 24h);  // 14 and 6 days old
  EXPECT_EQ(PruneRound(), 1);
  EXPECT_FALSE(Exists(old_one));
  EXPECT_TRUE(Exists(young));
}

TEST_P(BroadcastRetentionTest, ABroadcastWithQueuedMessagesStaysWhateverItsAge) {
  MustBind("bot", "u1", 1);
  MustBind("bot", "u2", 2);
  const int64_t id = ToUsers({"u1", "u2"});
  const std::vector<Message> msgs = QueuedOf(id);
  ASSERT_EQ(msgs.size(), 2u);
  Finish(msgs[0].id, MessageStatus::kSent);
  clock_.Advance(30 * 24h);

  EXPECT_EQ(PruneRound(), 0);  // its sent message went, the queued one stays
  auto b = Await(store_->GetBroadcast(id));
  ASSERT_OK(b);
  EXPECT_EQ(b->status, "running");
  EXPECT_EQ(b->sent, 1);
  EXPECT_EQ(b->pending, 1);

  Finish(msgs[1].id, MessageStatus::kFailed);
  EXPECT_EQ(PruneRound(), 0);  // finished just now: its last message is young
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneRound(), 1);
  EXPECT_FALSE(Exists(id));
}

TEST_P(BroadcastRetentionTest, ABroadcastToAllNotFullyMaterializedStaysThoughNoMessageIsLeft) {
  const int64_t id = AgedToAllWithOneTargetUnfilled();
  EXPECT_EQ(PruneRound(), 0);
  auto b = Await(store_->GetBroadcast(id));
  ASSERT_OK(b);
  EXPECT_EQ(b->sent, static_cast<int64_t>(SqliteStore::kFirstChunk));
  EXPECT_EQ(b->pending, 1);
  EXPECT_EQ(b->status, "running");
  // It still goes on: the last target is materialized.
  EXPECT_EQ(Await(store_->FillBroadcasts("bot", 100)).value(), 1);
  EXPECT_EQ(QueuedOf(id).size(), 1u);
}

TEST_P(BroadcastRetentionTest, ACancelKeepsABroadcastForAnotherRetentionPeriod) {
  const int64_t id = AgedToAllWithOneTargetUnfilled();
  EXPECT_EQ(PruneRound(), 0);
  // Cancelled now, with no message left to mark: only its cancel is young.
  ASSERT_EQ(Await(store_->CancelBroadcast(id))->status, "cancelled");
  EXPECT_EQ(PruneRound(), 0);
  EXPECT_EQ(Await(store_->GetBroadcast(id))->cancelled, 1);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneRound(), 1);
  EXPECT_FALSE(Exists(id));
}

TEST_P(BroadcastRetentionTest, ACallLooksAtNoMoreThanMaxRowsAndTheNextContinues) {
  MustBind("bot", "u1", 1);
  const int64_t running = ToUsers({"u1"});
  std::vector<int64_t> finished;  // to nobody linked: done at once, no messages
  for (int i = 0; i < 7; ++i) finished.push_back(ToUsers({"nobody"}));
  clock_.Advance(8 * 24h);
  const int64_t young = ToUsers({"nobody"});

  const std::vector<int64_t> per_call = DeletedPerCall(&Store::PruneBroadcasts, Cutoff(), 3);
  // The running one stays behind the pass; the third call reaches the young one.
  EXPECT_EQ(per_call, (std::vector<int64_t>{2, 3, 2}));
  for (int64_t id : finished) EXPECT_FALSE(Exists(id)) << id;
  EXPECT_TRUE(Exists(running));
  EXPECT_TRUE(Exists(young));

  // A new pass starts over and finds the running one once it has finished and aged.
  SendAll(running);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneRound(3), 2);  // it, and the once young one
  EXPECT_FALSE(Exists(running));
  EXPECT_FALSE(Await(store_->PruneBroadcasts(Cutoff(), 0)).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, BroadcastRetentionTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
