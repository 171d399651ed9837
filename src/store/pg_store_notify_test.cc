// NOTIFY on PostgreSQL: new queued work (an enqueue, a broadcast) wakes the
// queue channel once per bot and transaction; a new update wakes the updates
// channel, a repeated one (or one stored processed) nobody; new events wake the events channel (whichever
// instance sends events), a cancelled broadcast the cancel channel with its id
// (its bot's owner drops what it holds). Needs TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::PgStoreTest;

TEST_F(PgStoreTest, EnqueueAndBroadcastNotifyTheQueueChannel) {
  auto listener = Connect();
  ASSERT_TRUE(listener);
  ASSERT_OK(Run(listener->Listen(PgStore::kQueueChannel)));
  ASSERT_OK(Run(store_->Enqueue(Direct("bot-a", 5, "hello"))));
  auto n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kQueueChannel);
  EXPECT_EQ(n->payload, "bot-a");

  ASSERT_OK(Run(store_->Bind(Binding{"bot-b", "u", 7, UserStatus::kActive, 1})));
  NewBroadcast b;
  b.bot = "bot-b";
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  ASSERT_OK(Run(store_->CreateBroadcast(b, 1000)));
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->payload, "bot-b");

  // Several enqueues in one transaction: one notification for the bot.
  ASSERT_OK(Run(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    for (int i = 0; i < 3; ++i) {
      const NewMessage message = Direct("bot-c", 5, "x");
      auto e = co_await tx.Enqueue(message);
      if (!e.ok()) co_return e.status();
    }
    co_return Status::Ok();
  })));
  ASSERT_OK(Run(store_->Enqueue(Direct("bot-d", 5, "marker"))));
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->payload, "bot-c");
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->payload, "bot-d") << "one notification per bot and transaction";
}

TEST_F(PgStoreTest, ANewUpdateNotifiesTheUpdatesChannelOnce) {
  auto listener = Connect();
  ASSERT_TRUE(listener);
  ASSERT_OK(Run(listener->Listen(PgStore::kUpdatesChannel)));
  auto first = Run(store_->InsertUpdate(Update{"bot-u", 41, "{}"}));
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  // The same update again (another instance took the webhook's retry): not
  // new, no notification; the next new one is the next notification.
  auto again = Run(store_->InsertUpdate(Update{"bot-u", 41, "{}"}));
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  // One stored processed (on receipt, in the transaction that acts on it):
  // nobody is to process it, nobody is woken.
  Update processed{"bot-w", 43, "{}"};
  processed.processed = true;
  ASSERT_TRUE(Run(store_->InsertUpdate(processed)).value());
  ASSERT_OK(Run(store_->InsertUpdate(Update{"bot-v", 42, "{}"})));
  auto n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kUpdatesChannel);
  EXPECT_EQ(n->payload, "bot-u");
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->payload, "bot-v") << "a repeated update, or one stored processed, notifies nobody";
}

TEST_F(PgStoreTest, NewEventsNotifyTheEventsChannelOncePerTransaction) {
  auto listener = Connect();
  ASSERT_TRUE(listener);
  ASSERT_OK(Run(listener->Listen(PgStore::kEventsChannel)));
  ASSERT_OK(Run(listener->Listen(PgStore::kQueueChannel)));
  ASSERT_OK(Run(store_->AddEvent(R"({"type":"a"})", 1000)));
  auto n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel);

  // Outcomes that raise events: one notification for the batch.
  auto e = Run(store_->Enqueue(Direct("bot-e", 5, "x")));
  ASSERT_OK(e);
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kQueueChannel);
  Completion c;
  c.id = e->id;
  c.status = MessageStatus::kSent;
  c.attempts = 1;
  c.parts_sent = 1;
  const std::vector<Completion> done{c};
  const std::vector<std::string> events{R"({"type":"message.sent"})", R"({"type":"other"})"};
  ASSERT_OK(Run(store_->WriteOutcomes(done, {}, events, 2000)));
  // An outcome batch without events notifies nothing; the next notification
  // is the marker's.
  const std::vector<std::string> none;
  ASSERT_OK(Run(store_->WriteOutcomes(done, {}, none, 3000)));
  ASSERT_OK(Run(store_->AddEvent(R"({"type":"marker"})", 4000)));
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel);
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel) << "the marker's";
  auto due = Run(store_->DueEvents(10000, 10));
  ASSERT_OK(due);
  EXPECT_EQ(due->size(), 4u);
}

TEST_F(PgStoreTest, ACancelledBroadcastNotifiesItsIdOnTheCancelChannel) {
  auto listener = Connect();
  ASSERT_TRUE(listener);
  ASSERT_OK(Run(listener->Listen(PgStore::kCancelChannel)));
  ASSERT_OK(Run(store_->Bind(Binding{"bot-c", "u", 7, UserStatus::kActive, 1})));
  NewBroadcast b;
  b.bot = "bot-c";
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  auto made = Run(store_->CreateBroadcast(b, 1000));
  ASSERT_OK(made);
  ASSERT_OK(Run(store_->CancelBroadcast(made->id)));
  auto n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kCancelChannel);
  EXPECT_EQ(n->payload, std::to_string(made->id));
}

}  // namespace
}  // namespace tgate::store
