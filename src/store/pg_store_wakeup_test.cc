// The PostgreSQL store's wake-ups for other instances beyond the queue's and
// the updates' (pg_store_test.cc): new events notify the events channel
// (whichever instance sends events wakes), a cancelled broadcast notifies
// the cancel channel with its id (its bot's owner drops what it holds).
// Needs TGATE_TEST_PG (skipped without it).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "pg/connection.h"
#include "store/pg_store.h"
#include "store/pg_store_test_util.h"

namespace tgate::store {
namespace {

class PgStoreWakeupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pg::PgTestUrl().empty()) GTEST_SKIP() << pg::kNoTestServer;
    db_ = testing::MigratedTestDatabase();
    ASSERT_TRUE(db_);
    StoreOptions options;
    options.path = db_->url();
    options.clock = &clock_;
    options.pool_size = 2;
    store_ = std::make_unique<PgStore>(io_.get_executor(), db_->url(), options);
    auto conn = Run(pg::Connection::Connect(io_.get_executor(), db_->url()));
    ASSERT_OK(conn);
    listener_ = std::move(*conn);
  }

  template <typename T>
  T Run(Awaitable<T> aw) {
    return testing::RunUntilDone(io_, std::move(aw));
  }

  asio::io_context io_;
  FakeClock clock_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<pg::Connection> listener_;
};

TEST_F(PgStoreWakeupTest, NewEventsNotifyTheEventsChannelOncePerTransaction) {
  ASSERT_OK(Run(listener_->Listen(PgStore::kEventsChannel)));
  ASSERT_OK(Run(listener_->Listen(PgStore::kQueueChannel)));
  ASSERT_OK(Run(store_->AddEvent(R"({"type":"a"})", 1000)));
  auto n = Run(listener_->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel);

  // Outcomes that raise events: one notification for the batch.
  NewMessage m;
  m.bot = "bot-e";
  m.chat_id = 5;
  m.text = "x";
  m.options_json = "{}";
  auto e = Run(store_->Enqueue(m));
  ASSERT_OK(e);
  n = Run(listener_->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kQueueChannel);
  Completion c;
  c.id = e->id;
  c.status = MessageStatus::kSent;
  c.attempts = 1;
  c.parts_sent = 1;
  const std::vector<Completion> done{c};
  const std::vector<std::string> events{R"({"type":"message.sent"})", R"({"type":"other"})"};
  ASSERT_OK(Run(store_->WriteOutcomes(done, events, 2000)));
  // An outcome batch without events notifies nothing; the next notification
  // is the marker's.
  const std::vector<std::string> none;
  ASSERT_OK(Run(store_->WriteOutcomes(done, none, 3000)));
  ASSERT_OK(Run(store_->AddEvent(R"({"type":"marker"})", 4000)));
  n = Run(listener_->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel);
  n = Run(listener_->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kEventsChannel) << "the marker's";
  auto due = Run(store_->DueEvents(10000, 10));
  ASSERT_OK(due);
  EXPECT_EQ(due->size(), 4u);
}

TEST_F(PgStoreWakeupTest, ACancelledBroadcastNotifiesItsIdOnTheCancelChannel) {
  ASSERT_OK(Run(listener_->Listen(PgStore::kCancelChannel)));
  ASSERT_OK(Run(store_->Bind(Binding{"bot-c", "u", 7, UserStatus::kActive, 1})));
  NewBroadcast b;
  b.bot = "bot-c";
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  auto made = Run(store_->CreateBroadcast(b, 1000));
  ASSERT_OK(made);
  ASSERT_OK(Run(store_->CancelBroadcast(made->id)));
  auto n = Run(listener_->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kCancelChannel);
  EXPECT_EQ(n->payload, std::to_string(made->id));
}

}  // namespace
}  // namespace tgate::store
