// Retention: PruneMessages, PruneUpdates and PruneEvents delete only what is
// finished (or, for events, past saving) and old, a bounded batch at a time,
// and leave broadcasts' progress whole. Time moves on the fixture's
// FakeClock, which stamps the rows. (PruneBroadcasts:
// sqlite_store_broadcast_retention_test.cc.)
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

class RetentionTest : public StoreTest {
 protected:
  int64_t Now() const { return clock_.UnixSeconds(); }
  int64_t WeekAgo() const { return Now() - 7 * 24 * 3600; }

  int64_t Sent(int64_t chat) {
    int64_t id = MustEnqueue(Direct("bot", chat, "hi"));
    Finish(id, MessageStatus::kSent);
    return id;
  }
  bool Exists(int64_t id) { return Await(store_->GetMessage(id)).ok(); }

  int64_t PruneAllMessages(int64_t before, size_t max_rows) {
    return PruneAll(&Store::PruneMessages, before, max_rows);
  }
};

TEST_P(RetentionTest, PrunesOnlyFinishedMessagesOlderThanTheCutoff) {
  const int64_t sent = Sent(1);
  const int64_t failed = MustEnqueue(Direct("bot", 2, "x"));
  Finish(failed, MessageStatus::kFailed);
  const int64_t cancelled = MustEnqueue(Direct("bot", 3, "x"));
  Finish(cancelled, MessageStatus::kCancelled);
  const int64_t queued = MustEnqueue(Direct("bot", 4, "still to send"));
  clock_.Advance(8 * 24h);
  const int64_t recent = Sent(5);

  auto r = Await(store_->PruneMessages(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 3);
  EXPECT_TRUE(r->done);
  for (int64_t id : {sent, failed, cancelled}) {
    EXPECT_TRUE(Await(store_->GetMessage(id)).status().IsNotFound()) << id;
  }
  EXPECT_EQ(Await(store_->GetMessage(queued))->status, MessageStatus::kQueued);
  EXPECT_EQ(Await(store_->GetMessage(recent))->status, MessageStatus::kSent);
  ASSERT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10))->size(), 1u);
}

TEST_P(RetentionTest, QueuedMessagesOfAnyAgeSurviveUntilTheyFinishAndAge) {
  const int64_t queued = MustEnqueue(Direct("bot", 1, "late"));
  clock_.Advance(365 * 24h);
  EXPECT_EQ(PruneAllMessages(Now(), 100), 0);
  EXPECT_EQ(Await(store_->GetMessage(queued))->status, MessageStatus::kQueued);

  // Finished now: kept while its outcome is newer than the cutoff, then pruned.
  Finish(queued, MessageStatus::kSent);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 0);
  EXPECT_TRUE(Exists(queued));
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 1);
  EXPECT_FALSE(Exists(queued));
}

TEST_P(RetentionTest, ACallLooksAtNoMoreThanMaxRowsAndTheNextContinues) {
  // Ten queued messages, then twenty-five finished ones, all old.
  std::vector<int64_t> queued, finished;
  for (int i = 0; i < 10; ++i) queued.push_back(MustEnqueue(Direct("bot", 100 + i, "q")));
  for (int i = 0; i < 25; ++i) finished.push_back(Sent(200 + i));
  clock_.Advance(8 * 24h);

  // The first call sees only the queued ten; the cursor then skips them, so
  // the next calls delete ten, ten, five.
  const std::vector<int64_t> per_call = DeletedPerCall(&Store::PruneMessages, WeekAgo(), 10);
  EXPECT_EQ(per_call, (std::vector<int64_t>{0, 10, 10, 5}));
  for (int64_t id : finished) EXPECT_FALSE(Exists(id)) << id;
  for (int64_t id : queued) EXPECT_TRUE(Exists(id)) << id;
}

TEST_P(RetentionTest, TheWalkStopsAtTheFirstMessageNotOlderThanTheCutoff) {
  const int64_t old_sent = Sent(1);
  clock_.Advance(8 * 24h);
  const int64_t young_sent = Sent(2);
  auto r = Await(store_->PruneMessages(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 1);
  EXPECT_TRUE(r->done);
  EXPECT_FALSE(Exists(old_sent));
  EXPECT_TRUE(Exists(young_sent));
  // Nothing is old before the first message: a pass finds nothing to do.
  r = Await(store_->PruneMessages(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 0);
  EXPECT_TRUE(r->done);
}

TEST_P(RetentionTest, ANewPassTakesWhatFinishedAfterTheLastOnePassedIt) {
  const int64_t queued = MustEnqueue(Direct("bot", 1, "q"));
  const int64_t sent = Sent(2);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 1), 1);  // walks past the queued one
  EXPECT_FALSE(Exists(sent));
  Finish(queued, MessageStatus::kFailed);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 1), 1);
  EXPECT_FALSE(Exists(queued));
}

TEST_P(RetentionTest, ACutoffOfZeroDeletesNothing) {
  Sent(1);
  clock_.Advance(30 * 24h);
  auto r = Await(store_->PruneMessages(0, 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 0);
  EXPECT_TRUE(r->done);
  EXPECT_FALSE(Await(store_->PruneMessages(WeekAgo(), 0)).ok());
}

TEST_P(RetentionTest, BroadcastProgressSurvivesItsMessagesBeingPruned) {
  for (int i = 1; i <= 4; ++i) MustBind("bot", "u" + std::to_string(i), i);
  NewBroadcast nb;
  nb.bot = "bot";
  nb.all = true;
  nb.text = "news";
  nb.options_json = "{}";
  auto b = Await(store_->CreateBroadcast(nb, clock_.UnixSeconds() * 1000));
  ASSERT_OK(b);
  auto msgs = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10));
  ASSERT_OK(msgs);
  ASSERT_EQ(msgs->size(), 4u);
  Finish((*msgs)[0].id, MessageStatus::kSent);
  Finish((*msgs)[1].id, MessageStatus::kSent);
  Finish((*msgs)[2].id, MessageStatus::kFailed);
  clock_.Advance(8 * 24h);

  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 3);
  auto got = Await(store_->GetBroadcast(b->id));
  ASSERT_OK(got);
  EXPECT_EQ(got->total, 4);
  EXPECT_EQ(got->sent, 2);
  EXPECT_EQ(got->failed, 1);
  EXPECT_EQ(got->pending, 1);
  EXPECT_EQ(got->status, "running");
  EXPECT_EQ(Await(store_->ActiveBroadcasts("bot")).value(), std::vector<int64_t>{b->id});

  // The last one still goes out, and the counts still add up.
  Finish((*msgs)[3].id, MessageStatus::kSent);
  got = Await(store_->GetBroadcast(b->id));
  EXPECT_EQ(got->sent, 3);
  EXPECT_EQ(got->pending, 0);
  EXPECT_EQ(got->status, "done");
  EXPECT_TRUE(Await(store_->ActiveBroadcasts("bot"))->empty());
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 1);
  got = Await(store_->GetBroadcast(b->id));
  ASSERT_OK(got);
  EXPECT_EQ(got->sent, 3);
  EXPECT_EQ(got->failed, 1);
  EXPECT_EQ(got->status, "done");
}

TEST_P(RetentionTest, CancellingAfterPruningCountsOnlyWhatWasLeft) {
  for (int i = 1; i <= 3; ++i) MustBind("bot", "u" + std::to_string(i), i);
  NewBroadcast nb;
  nb.bot = "bot";
  nb.users = {"u1", "u2", "u3"};
  nb.text = "news";
  nb.options_json = "{}";
  auto b = Await(store_->CreateBroadcast(nb, clock_.UnixSeconds() * 1000));
  ASSERT_OK(b);
  auto msgs = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  Finish(msgs[0].id, MessageStatus::kSent);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 1);
  auto cancelled = Await(store_->CancelBroadcast(b->id));
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->sent, 1);
  EXPECT_EQ(cancelled->cancelled, 2);
  EXPECT_EQ(cancelled->pending, 0);
  EXPECT_EQ(cancelled->status, "cancelled");
  // Just cancelled: kept for another retention period, though created long ago.
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 0);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 2);
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->cancelled, 2);
}

TEST_P(RetentionTest, APrunedMessagesIdempotencyKeyIsFreeAgain) {
  NewMessage m = Direct("bot", 10, "once");
  m.idempotency_key = "order-7";
  const int64_t first = MustEnqueue(m);
  Finish(first, MessageStatus::kSent);
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 1);
  auto again = Await(store_->Enqueue(m));
  ASSERT_OK(again);
  EXPECT_FALSE(again->existed);
  EXPECT_GT(again->id, first);  // ids are never reused (AUTOINCREMENT)
}

TEST_P(RetentionTest, PrunedMessagesStayGoneAfterReopen) {
  const int64_t sent = Sent(1);
  const int64_t queued = MustEnqueue(Direct("bot", 2, "q"));
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAllMessages(WeekAgo(), 100), 1);
  ASSERT_OK(Reopen());
  if (GetParam()) {
    EXPECT_FALSE(Exists(sent));
    EXPECT_TRUE(Exists(queued));
    EXPECT_GT(MustEnqueue(Direct("bot", 3, "new")), queued);
  }
}

TEST_P(RetentionTest, PruneUpdatesDropsOldProcessedOnesButKeepsPendingAndEachBotsNewest) {
  for (int64_t id = 1; id <= 3; ++id) {
    ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", id, "{}"})).value());
    ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", id)));
  }
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 4, "{}"})).value());  // pending: never pruned
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"quiet", 70, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("quiet", 70)));
  clock_.Advance(8 * 24h);
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"other", 1, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("other", 1)));

  auto r = Await(store_->PruneUpdates(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 3);
  EXPECT_TRUE(r->done);
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"bot", 1, "{}"})).value());   // pruned, so new again
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 4, "{}"})).value());  // pending kept
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 4);
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"quiet", 70, "{}"})).value());  // a bot's newest stays
  EXPECT_EQ(Await(store_->MaxUpdateId("quiet")).value(), 70);
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"other", 1, "{}"})).value());  // recent: kept
}

TEST_P(RetentionTest, PruneUpdatesDropsOldSetAsideOnesLikeProcessedOnes) {
  for (int64_t id = 1; id <= 4; ++id)
    ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", id, "{}"})).value());
  ASSERT_OK(Await(store_->SetUpdateAside("bot", 1, "poisoned")));
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 2)));
  ASSERT_OK(Await(store_->SetUpdateAside("bot", 3, "poisoned")));
  ASSERT_OK(Await(store_->SetUpdateAside("bot", 4, "poisoned")));  // the newest: kept for MaxUpdateId
  clock_.Advance(8 * 24h);
  EXPECT_EQ(PruneAll(&Store::PruneUpdates, WeekAgo(), 100), 3);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("bot")).value(), 1);
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 4);
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"bot", 1, "{}"})).value());  // pruned, so new again
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 4, "{}"})).value());
}

TEST_P(RetentionTest, PruneUpdatesLooksAtNoMoreThanMaxRowsAcrossBots) {
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (const char* bot : {"a", "b"}) {
      for (int64_t id = 1; id <= 10; ++id) {
        const Update update{bot, id, "{}"};
        TGATE_CO_RETURN_IF_ERROR((co_await tx.InsertUpdate(update)).status());
        TGATE_CO_RETURN_IF_ERROR(co_await tx.MarkUpdateProcessed(bot, id));
      }
    }
    co_return Status::Ok();
  })));
  clock_.Advance(8 * 24h);
  const std::vector<int64_t> per_call = DeletedPerCall(&Store::PruneUpdates, WeekAgo(), 6);
  // a's first 6; a's last 3 (its newest stays) and b's first 2; b's next 5
  // (a's newest is looked at again); b's last 2.
  EXPECT_EQ(per_call, (std::vector<int64_t>{6, 5, 5, 2}));
  EXPECT_EQ(Await(store_->MaxUpdateId("a")).value(), 10);
  EXPECT_EQ(Await(store_->MaxUpdateId("b")).value(), 10);
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"b", 9, "{}"})).value());
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"b", 10, "{}"})).value());
}

TEST_P(RetentionTest, PruneEventsDropsOldUndeliveredEventsAndKeepsYoungOnes) {
  auto now_ms = [&] { return clock_.UnixSeconds() * 1000; };
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"never tried"})", now_ms())));  // no events_url
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"refused"})", now_ms())));      // the site answers 500
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"delivered"})", now_ms())));
  auto old = Await(store_->DueEvents(now_ms(), 10));
  ASSERT_OK(old);
  ASSERT_EQ(old->size(), 3u);
  ASSERT_OK(Await(store_->EventRetry((*old)[1].id, 5, now_ms() + 600'000)));
  ASSERT_OK(Await(store_->EventsDelivered({(*old)[2].id})));
  clock_.Advance(8 * 24h);
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"young"})", now_ms())));

  auto r = Await(store_->PruneEvents(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 2);  // the delivered one was gone already
  EXPECT_TRUE(r->done);
  auto left = Await(store_->DueEvents(now_ms() + 3600'000, 10));
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].payload, R"({"type":"young"})");
  EXPECT_EQ(Await(store_->NextEventDue()).value(), now_ms());
  // A dropped event's late outcome finds nothing (the sender ignores that).
  EXPECT_TRUE(Await(store_->EventRetry((*old)[1].id, 6, now_ms())).IsNotFound());

  r = Await(store_->PruneEvents(WeekAgo(), 100));
  ASSERT_OK(r);
  EXPECT_EQ(r->deleted, 0);
  EXPECT_TRUE(r->done);
}

TEST_P(RetentionTest, PruneEventsLooksAtNoMoreThanMaxRowsAndTheNextCallContinues) {
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 0; i < 25; ++i)
      TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent("{}", clock_.UnixSeconds() * 1000));
    co_return Status::Ok();
  })));
  clock_.Advance(8 * 24h);
  for (int i = 0; i < 2; ++i)
    ASSERT_OK(Await(store_->AddEvent(R"({"young":1})", clock_.UnixSeconds() * 1000)));

  const std::vector<int64_t> per_call = DeletedPerCall(&Store::PruneEvents, WeekAgo(), 10);
  // The third call sees the last five old ones, then the first young one.
  EXPECT_EQ(per_call, (std::vector<int64_t>{10, 10, 5}));
  auto left = Await(store_->DueEvents(INT64_MAX, 100));
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].payload, R"({"young":1})");
  EXPECT_EQ(Await(store_->PruneEvents(0, 100))->deleted, 0);  // a cutoff of zero: nothing is older
  EXPECT_FALSE(Await(store_->PruneEvents(WeekAgo(), 0)).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
