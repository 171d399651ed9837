// What is PostgreSQL's own in the store: migrations (fresh, rerun, newer
// schema refused, concurrent migrators), idempotency decided by the unique
// index across connections, fencing of outcome batches, RunInTransaction's
// pinned connection and rollback, NOTIFY on new queued work, and OpenStore.
// The role semantics shared with SQLite are the store suite's (run on both
// backends). Needs TGATE_TEST_PG (skipped without it).
#include "store/pg_store.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "pg/connection.h"
#include "store/open_store.h"
#include "store/pg_migrations.h"
#include "store/pg_store_test_util.h"

namespace tgate::store {
namespace {

using testing::MigratedTestDatabase;
using testing::RunUntilDone;

template <typename T>
T Await(asio::io_context& io, Awaitable<T> aw) {
  return RunUntilDone(io, std::move(aw));
}

#define TGATE_SKIP_WITHOUT_PG() \
  if (pg::PgTestUrl().empty()) GTEST_SKIP() << pg::kNoTestServer

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TGATE_SKIP_WITHOUT_PG();
    db_ = MigratedTestDatabase();
    ASSERT_TRUE(db_);
    store_ = NewStore(2);
  }

  std::unique_ptr<PgStore> NewStore(size_t pool_size) {
    StoreOptions options;
    options.path = db_->url();
    options.clock = &clock_;
    options.pool_size = pool_size;
    return std::make_unique<PgStore>(io_.get_executor(), db_->url(), options);
  }

  template <typename T>
  T Run(Awaitable<T> aw) {
    return Await(io_, std::move(aw));
  }

  std::unique_ptr<pg::Connection> Connect() {
    auto conn = Run(pg::Connection::Connect(io_.get_executor(), db_->url()));
    EXPECT_OK(conn);
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  int64_t QueryInt(const std::string& sql) {
    auto conn = Connect();
    if (!conn) return -1;
    auto rows = Run(conn->Query(sql));
    EXPECT_OK(rows);
    return rows.ok() && !rows->empty() ? rows->Int64(0, 0) : -1;
  }

  static NewMessage Direct(std::string bot, int64_t chat_id, std::string text, std::string key = "") {
    NewMessage m;
    m.bot = std::move(bot);
    m.chat_id = chat_id;
    m.text = std::move(text);
    m.options_json = "{}";
    m.idempotency_key = std::move(key);
    return m;
  }

  asio::io_context io_;
  FakeClock clock_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<PgStore> store_;
};

// --- migrations

class PgMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TGATE_SKIP_WITHOUT_PG();
    db_ = pg::TestDatabase::Create();
    ASSERT_TRUE(db_);
  }
  std::unique_ptr<pg::Connection> Connect() {
    auto conn = Await(io_, pg::Connection::Connect(io_.get_executor(), db_->url()));
    EXPECT_OK(conn);
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  asio::io_context io_;
  std::unique_ptr<pg::TestDatabase> db_;
};

TEST_F(PgMigrationsTest, MigratesAFreshDatabaseAndRerunsAsANoOp) {
  auto conn = Connect();
  ASSERT_TRUE(conn);
  auto before = Await(io_, ReadPgSchemaVersion(*conn));
  ASSERT_OK(before);
  EXPECT_EQ(*before, 0);
  ASSERT_OK(Await(io_, MigratePg(*conn)));
  auto after = Await(io_, ReadPgSchemaVersion(*conn));
  ASSERT_OK(after);
  EXPECT_EQ(*after, PgLatestSchemaVersion());
  // Every table is there, the cluster's too.
  auto tables = Await(io_, conn->Query("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                                       "('messages','broadcasts','bindings','link_tokens','updates','events',"
                                       "'chat_migrations','binding_counts','instances','bot_leases')"));
  ASSERT_OK(tables);
  EXPECT_EQ(tables->Int64(0, 0), 10);
  // Again: nothing to do, nothing fails.
  ASSERT_OK(Await(io_, MigratePg(*conn)));
  auto rows = Await(io_, conn->Query("SELECT count(*) FROM schema_version"));
  ASSERT_OK(rows);
  EXPECT_EQ(rows->Int64(0, 0), 1);
}

TEST_F(PgMigrationsTest, RefusesADatabaseNewerThanThisTgate) {
  auto conn = Connect();
  ASSERT_TRUE(conn);
  ASSERT_OK(Await(io_, MigratePg(*conn)));
  ASSERT_OK(Await(io_, conn->Query("UPDATE schema_version SET version = 99")));
  Status s = Await(io_, MigratePg(*conn));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_NE(s.message().find("database schema version 99 is newer than this tgate knows (" +
                             std::to_string(PgLatestSchemaVersion()) + "): run a newer tgate"),
            std::string::npos)
      << s.message();
  // Nothing changed, and the connection is usable (the transaction ended).
  auto version = Await(io_, ReadPgSchemaVersion(*conn));
  ASSERT_OK(version);
  EXPECT_EQ(*version, 99);
}

TEST_F(PgMigrationsTest, ConcurrentMigratorsSerialize) {
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<pg::Connection>> conns;
  for (int i = 0; i < kMigrators; ++i) {
    conns.push_back(Connect());
    ASSERT_TRUE(conns.back());
  }
  std::vector<std::optional<Status>> results(kMigrators);
  for (int i = 0; i < kMigrators; ++i) testing::SpawnInto(io_, MigratePg(*conns[i]), &results[i]);
  testing::RunUntilSet(io_, results);
  for (const auto& r : results) EXPECT_OK(*r);
  auto rows = Await(io_, conns[0]->Query("SELECT count(*), max(version) FROM schema_version"));
  ASSERT_OK(rows);
  EXPECT_EQ(rows->Int64(0, 0), 1);
  EXPECT_EQ(rows->Int64(0, 1), PgLatestSchemaVersion());
}

// --- idempotency across connections

TEST_F(PgStoreTest, ConcurrentEnqueuesWithOneKeyMakeOneMessage) {
  // Two stores (as two instances) and each's pool: many pairs of requests
  // with one key each, all in flight at once.
  auto other = NewStore(2);
  constexpr int kKeys = 8;
  std::vector<std::optional<Result<Enqueued>>> results(2 * kKeys);
  std::vector<NewMessage> messages;
  for (int k = 0; k < kKeys; ++k)
    messages.push_back(Direct("bot", 100 + k, "hello", "key-" + std::to_string(k)));
  for (int k = 0; k < kKeys; ++k) {
    testing::SpawnInto(io_, store_->Enqueue(messages[k]), &results[2 * k]);
    testing::SpawnInto(io_, other->Enqueue(messages[k]), &results[2 * k + 1]);
  }
  testing::RunUntilSet(io_, results);
  for (int k = 0; k < kKeys; ++k) {
    const auto& a = *results[2 * k];
    const auto& b = *results[2 * k + 1];
    ASSERT_OK(a);
    ASSERT_OK(b);
    EXPECT_EQ(a->id, b->id);
    EXPECT_NE(a->existed, b->existed) << "exactly one of the two stored it";
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM messages"), kKeys);
}

TEST_F(PgStoreTest, ReusedKeyWithAnotherBodyIsRefused) {
  NewMessage m = Direct("bot", 5, "a", "k");
  m.idempotency_fingerprint = "f1";
  auto first = Run(store_->Enqueue(m));
  ASSERT_OK(first);
  m.idempotency_fingerprint = "f2";
  auto second = Run(store_->Enqueue(m));
  EXPECT_EQ(second.status().code(), Code::kUnprocessable);
  m.idempotency_fingerprint = "f1";
  auto retry = Run(store_->Enqueue(m));
  ASSERT_OK(retry);
  EXPECT_TRUE(retry->existed);
  EXPECT_EQ(retry->id, first->id);
}

// --- Complete's batch statement

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
  auto id1 = Run(store_->Enqueue(Direct("bot", 5, "one")));
  auto id2 = Run(store_->Enqueue(Direct("bot", 6, "two")));
  ASSERT_OK(id1);
  ASSERT_OK(id2);
  store_->SetFence("bot", "a", 1);
  // Owner at the current epoch: written.
  ASSERT_OK(Run(store_->WriteOutcomes({Completion{id1->id, MessageStatus::kSent, 1, 1, 0, 77, ""}},
                                      {"{\"type\":\"message.sent\"}"}, 1000)));
  auto sent = Run(store_->GetMessage(id1->id));
  ASSERT_OK(sent);
  EXPECT_EQ(sent->status, MessageStatus::kSent);

  // Another instance took the bot over: the stale owner's batch fails whole.
  ASSERT_EQ(QueryInt("UPDATE bot_leases SET owner = 'b', epoch = 2 WHERE bot = 'bot' RETURNING epoch"), 2);
  Status s = Run(store_->WriteOutcomes({Completion{id2->id, MessageStatus::kSent, 1, 1, 0, 78, ""}},
                                       {"{\"type\":\"message.sent\"}"}, 2000));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  s = Run(store_->Complete({Completion{id2->id, MessageStatus::kFailed, 1, 0, 0, 0, "x"}}));
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  auto unsent = Run(store_->GetMessage(id2->id));
  ASSERT_OK(unsent);
  EXPECT_EQ(unsent->status, MessageStatus::kQueued);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM events"), 1);

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

// --- transactions

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

// --- NOTIFY

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
  ASSERT_OK(Run(store_->InsertUpdate(Update{"bot-v", 42, "{}"})));
  auto n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->channel, PgStore::kUpdatesChannel);
  EXPECT_EQ(n->payload, "bot-u");
  n = Run(listener->WaitNotification());
  ASSERT_OK(n);
  EXPECT_EQ(n->payload, "bot-v") << "a repeated update notifies nobody";
}

// --- the roles on PostgreSQL (a smoke test of the SQL; the store suite
// covers the semantics on both backends)

TEST_F(PgStoreTest, RolesSmoke) {
  // Link tokens: single use.
  ASSERT_OK(Run(store_->PutLinkToken(LinkToken{"t1", "bot", "alice", 500})));
  auto taken = Run(store_->TakeLinkToken("t1"));
  ASSERT_OK(taken);
  EXPECT_EQ(taken->user, "alice");
  EXPECT_TRUE(Run(store_->TakeLinkToken("t1")).status().IsNotFound());

  // Bindings, counts, chat moves.
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "alice", -10, UserStatus::kActive, 1})));
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "bob", 20, UserStatus::kActive, 1})));
  ASSERT_OK(Run(store_->SetChatStatus("bot", 20, UserStatus::kBlocked)));
  auto active = Run(store_->CountBindings("bot", UserStatus::kActive));
  ASSERT_OK(active);
  EXPECT_EQ(*active, 1);
  auto blocked = Run(store_->CountBindings("bot", UserStatus::kBlocked));
  ASSERT_OK(blocked);
  EXPECT_EQ(*blocked, 1);
  ASSERT_OK(Run(store_->MoveChat("bot", -10, -11)));
  auto moved = Run(store_->GetBinding("bot", "alice"));
  ASSERT_OK(moved);
  EXPECT_EQ(moved->chat_id, -11);
  auto to_old = Run(store_->Enqueue(Direct("bot", -10, "follows the move")));
  ASSERT_OK(to_old);
  auto m = Run(store_->GetMessage(to_old->id));
  ASSERT_OK(m);
  EXPECT_EQ(m->chat_id, -11);

  // Queue load, outcomes, group sends, failing a chat.
  auto loaded = Run(store_->LoadQueued("bot", Priority::kDirect, 0, 10));
  ASSERT_OK(loaded);
  ASSERT_EQ(loaded->size(), 1u);
  ASSERT_OK(Run(store_->Complete({Completion{to_old->id, MessageStatus::kSent, 1, 2, 0, 42, ""}})));
  auto groups = Run(store_->RecentGroupSends("bot", 0));
  ASSERT_OK(groups);
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].parts, 2);
  auto q = Run(store_->Enqueue(Direct("bot", 20, "to bob")));
  ASSERT_OK(q);
  auto failed = Run(store_->FailQueuedForChat("bot", 20, "blocked"));
  ASSERT_OK(failed);
  EXPECT_EQ(*failed, std::vector<int64_t>{q->id});
  auto last = Run(store_->LastMessageId());
  ASSERT_OK(last);
  EXPECT_EQ(*last, q->id);

  // Unlink raises its event in the same transaction.
  auto unlinked = Run(store_->Unlink(
      "bot", "bob", [](const Binding& b) { return "{\"user\":\"" + b.user + "\"}"; }, 5000));
  ASSERT_OK(unlinked);
  EXPECT_EQ(unlinked->chat_id, 20);
  auto events = Run(store_->DueEvents(5000, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, "{\"user\":\"bob\"}");
  ASSERT_OK(Run(store_->EventRetry((*events)[0].id, 1, 9000)));
  auto next = Run(store_->NextEventDue());
  ASSERT_OK(next);
  EXPECT_EQ(*next, 9000);
  ASSERT_OK(Run(store_->EventDelivered((*events)[0].id)));

  // Updates: deduplicated, set aside, max id.
  auto fresh = Run(store_->InsertUpdate(Update{"bot", 7, "{}"}));
  ASSERT_OK(fresh);
  EXPECT_TRUE(*fresh);
  auto dup = Run(store_->InsertUpdate(Update{"bot", 7, "{}"}));
  ASSERT_OK(dup);
  EXPECT_FALSE(*dup);
  ASSERT_OK(Run(store_->InsertUpdate(Update{"bot", 8, "{}"})));
  ASSERT_OK(Run(store_->SetUpdateAside("bot", 7, "bad")));
  auto pending = Run(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].update_id, 8);
  auto aside = Run(store_->CountSetAsideUpdates("bot"));
  ASSERT_OK(aside);
  EXPECT_EQ(*aside, 1);
  ASSERT_OK(Run(store_->MarkUpdateProcessed("bot", 8)));
  auto max_id = Run(store_->MaxUpdateId("bot"));
  ASSERT_OK(max_id);
  EXPECT_EQ(*max_id, 8);
}

TEST_F(PgStoreTest, BroadcastsSmoke) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(Run(store_->Bind(Binding{"bot", "u" + std::to_string(i), 100 + i, UserStatus::kActive, 1})));
  }
  NewBroadcast list;
  list.bot = "bot";
  list.users = {"u1", "u2", "u2", "nobody"};
  list.text = "hi";
  list.options_json = "{}";
  list.spread_seconds = 10;
  auto made = Run(store_->CreateBroadcast(list, 1'000'000));
  ASSERT_OK(made);
  EXPECT_EQ(made->total, 2);
  EXPECT_EQ(made->skipped, 1);
  auto queued = Run(store_->LoadBroadcastQueued("bot", made->id, 0, INT64_MAX, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ((*queued)[0].text, "hi");
  EXPECT_EQ((*queued)[0].not_before_ms, 1'000'000);
  EXPECT_EQ((*queued)[1].not_before_ms, 1'005'000);
  // Only the first is due by then.
  auto due = Run(store_->LoadBroadcastQueued("bot", made->id, 0, 1'000'001, 10));
  ASSERT_OK(due);
  EXPECT_EQ(due->size(), 1u);

  ASSERT_OK(Run(store_->Complete({Completion{(*queued)[0].id, MessageStatus::kSent, 1, 1, 0, 1, ""}})));
  auto cancelled = Run(store_->CancelBroadcast(made->id));
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->sent, 1);
  EXPECT_EQ(cancelled->cancelled, 1);

  // To "all", in chunks.
  NewBroadcast all;
  all.bot = "bot";
  all.all = true;
  all.text = "all";
  all.options_json = "{}";
  all.idempotency_key = "b1";
  auto everyone = Run(store_->CreateBroadcast(all, 2'000'000));
  ASSERT_OK(everyone);
  EXPECT_EQ(everyone->total, 5);
  auto again = Run(store_->CreateBroadcast(all, 2'000'000));
  ASSERT_OK(again);
  EXPECT_EQ(again->id, everyone->id);
  auto pending = Run(store_->PendingMessages("bot"));
  ASSERT_OK(pending);
  EXPECT_EQ(*pending, 5);
  auto active = Run(store_->ActiveBroadcasts("bot"));
  ASSERT_OK(active);
  EXPECT_EQ(*active, std::vector<int64_t>{everyone->id});
  auto filled = Run(store_->FillBroadcasts("bot", 10));
  ASSERT_OK(filled);
  EXPECT_EQ(*filled, 0);  // the first chunk took them all

  // Retention: finished messages, then their broadcast.
  clock_.Advance(std::chrono::hours(1));
  const int64_t later = clock_.UnixSeconds() + 1;
  auto pruned = Run(store_->PruneMessages(later, 100));
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->deleted, 2);  // the cancelled list broadcast's
  EXPECT_TRUE(pruned->done);
  auto gone = Run(store_->PruneBroadcasts(later, 100));
  ASSERT_OK(gone);
  EXPECT_EQ(gone->deleted, 1);
  EXPECT_TRUE(Run(store_->GetBroadcast(made->id)).status().IsNotFound());
  auto tokens = Run(store_->PruneLinkTokens(later));
  ASSERT_OK(tokens);
}

// --- OpenStore

TEST(OpenStoreTest, OpensAndMigratesAPostgresDatabase) {
  TGATE_SKIP_WITHOUT_PG();
  auto db = pg::TestDatabase::Create();
  ASSERT_TRUE(db);
  asio::io_context io;
  StoreOptions options;
  options.path = db->url();
  auto store = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_OK(store);
  auto id = Await(io, (*store)->Enqueue(NewMessage{"bot", "", 5, "hi", "{}", "", Priority::kDirect, 0, ""}));
  ASSERT_OK(id);
  store->reset();
}

TEST(OpenStoreTest, ADatabaseNewerThanThisTgateIsRefused) {
  TGATE_SKIP_WITHOUT_PG();
  auto db = pg::TestDatabase::Create();
  ASSERT_TRUE(db);
  asio::io_context io;
  StoreOptions options;
  options.path = db->url();
  auto store = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_OK(store);
  store->reset();
  {
    auto conn = Await(io, pg::Connection::Connect(io.get_executor(), db->url()));
    ASSERT_OK(conn);
    ASSERT_OK(Await(io, (*conn)->Query("UPDATE schema_version SET version = 99")));
  }
  auto refused = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsConflict()) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("database schema version 99 is newer than this tgate knows"),
            std::string::npos)
      << refused.status().message();
}

TEST(OpenStoreTest, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  asio::io_context io;
  StoreOptions options;
  // Port 1 on loopback: nothing listens there.
  options.path = "postgresql://tgate:hunter2secret@127.0.0.1:1/tgate";
  auto store = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message().find("hunter2secret"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("PostgreSQL"), std::string::npos) << store.status().message();
}

// scripts/pg-test-server.sh's server asks TCP clients for a password (role
// tgate_pw_user): a wrong one is refused, and the error does not repeat it.
TEST(OpenStoreTest, WrongCredentialsAreAClearErrorWithoutThePassword) {
  TGATE_SKIP_WITHOUT_PG();
  const std::string url = pg::PgTestUrl();
  const size_t at = url.find("port=");
  if (at == std::string::npos) GTEST_SKIP() << "TGATE_TEST_PG names no port= (not pg-test-server.sh's URL)";
  const std::string port = url.substr(
      at + 5, url.find('&', at) == std::string::npos ? std::string::npos : url.find('&', at) - at - 5);
  asio::io_context io;
  StoreOptions options;
  options.path = "postgresql://tgate_pw_user:not-the-password-42@127.0.0.1:" + port + "/postgres";
  auto store = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnauthenticated) << store.status().ToString();
  EXPECT_EQ(store.status().message().find("not-the-password-42"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("tgate_pw_user"), std::string::npos) << store.status().message();
}

TEST(OpenStoreTest, ANonUrlPathOpensSqlite) {
  asio::io_context io;
  StoreOptions options;
  options.path = ":memory:";
  auto store = Await(io, OpenStore(io.get_executor(), options));
  ASSERT_OK(store);
}

}  // namespace
}  // namespace tgate::store
