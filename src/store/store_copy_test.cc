// CopyStore on a real PostgreSQL: a SQLite database filled through the Store
// API (bindings, a link token, queued/sent/failed messages, a broadcast to
// "all" half materialized, idempotency keys, updates processed, pending and
// set aside, an event, a chat migration) reads back the same through the
// PostgreSQL store, which then carries on (fills the broadcast, dedupes the
// copied updates, gives new ids above the copied ones). And the refusals:
// a target with data, a source that is no tgate database or at another
// schema version, an unreachable target (password never shown), and a copy
// that fails half-way leaves the target empty. The command's own refusal of
// a locked source is tests/integration/cli_test.cc's. Needs TGATE_TEST_PG.
#include "store/store_copy.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "pg/connection.h"
#include "pg/pg_test_util.h"
#include "store/migrations.h"
#include "store/open_store.h"
#include "store/pg_store_test_util.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::RunUntilDone;
using testing::TempDbPath;

constexpr const char* kBot = "shop";
constexpr int kUsers = 3000;  // more than a broadcast's first chunk (2000)

class StoreCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pg::PgTestUrl().empty()) GTEST_SKIP() << pg::kNoTestServer;
    target_ = pg::TestDatabase::Create();
    ASSERT_TRUE(target_);
  }

  template <typename T>
  T Run(Awaitable<T> aw) {
    return RunUntilDone(io_, std::move(aw));
  }

  std::unique_ptr<SqliteStore> OpenSqlite() {
    StoreOptions options;
    options.path = source_.path();
    options.clock = &clock_;
    auto store = SqliteStore::Open(options);
    EXPECT_OK(store);
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<Store> OpenTarget() {
    StoreOptions options;
    options.path = target_->url();
    options.clock = &clock_;
    auto store = Run(OpenStore(io_.get_executor(), options));
    EXPECT_OK(store);
    return store.ok() ? std::move(*store) : nullptr;
  }

  Result<CopyReport> Copy(std::string to = "", size_t max_bytes = 0) {
    CopyOptions options;
    options.from = source_.path();
    options.to = to.empty() ? target_->url() : to;
    options.batch_rows = 500;  // several statements, and several round trips, per big table
    options.batches_per_round_trip = 2;
    if (max_bytes > 0) options.max_batch_bytes = options.max_trip_bytes = max_bytes;
    options.on_table = [this](const CopiedTable& t) { progress_.push_back(t.table); };
    return Run(CopyStore(io_.get_executor(), options));
  }

  int64_t TargetInt(const std::string& sql) {
    auto conn = Run(pg::Connection::Connect(io_.get_executor(), target_->url()));
    EXPECT_OK(conn);
    if (!conn.ok()) return -1;
    auto rows = Run((*conn)->Query(sql));
    EXPECT_OK(rows);
    return rows.ok() && !rows->empty() ? rows->Int64(0, 0) : -1;
  }

  int64_t TargetRows() {
    return TargetInt(
        "SELECT (SELECT count(*) FROM link_tokens) + (SELECT count(*) FROM bindings) + "
        "(SELECT count(*) FROM binding_counts) + (SELECT count(*) FROM broadcasts) + "
        "(SELECT count(*) FROM messages) + (SELECT count(*) FROM updates) + "
        "(SELECT count(*) FROM chat_migrations) + (SELECT count(*) FROM events)");
  }

  static NewMessage Direct(int64_t chat_id, std::string text, std::string key = "") {
    NewMessage m;
    m.bot = kBot;
    m.chat_id = chat_id;
    m.text = std::move(text);
    m.options_json = R"({"parse_mode":"HTML"})";
    m.idempotency_key = std::move(key);
    if (!m.idempotency_key.empty()) m.idempotency_fingerprint = "fp-" + m.idempotency_key;
    return m;
  }

  // What Fill() stored, as SQLite read it back.
  struct Filled {
    std::vector<Message> messages;  // queued, sent, failed
    Broadcast broadcast;
    int64_t last_message_id = 0;
  };

  // Fills the SQLite source through the Store API, then closes it (tgate stopped).
  Filled Fill() {
    Filled f;
    auto store = OpenSqlite();
    if (!store) return f;
    auto& s = *store;
    using testing::Await;
    EXPECT_OK(Await(s.RunInTransaction([](Store& tx) -> Awaitable<Status> {
      for (int i = 0; i < kUsers; ++i) {
        Binding b{kBot, "u" + std::to_string(i), 1000 + i, UserStatus::kActive, 100 + i};
        Status st = co_await tx.Bind(b);
        TGATE_CO_RETURN_IF_ERROR(st);
      }
      co_return Status::Ok();
    })));
    EXPECT_OK(Await(s.SetChatStatus(kBot, 1005, UserStatus::kBlocked)));
    EXPECT_OK(Await(s.PutLinkToken(LinkToken{"secret-token", kBot, "alice", 4102444800})));

    NewMessage queued = Direct(1001, "queued one", "key-1");
    queued.expires_at_ms = 4102444800000;
    auto q = Await(s.Enqueue(queued));
    auto sent = Await(s.Enqueue(Direct(1002, "sent one")));
    auto failed = Await(s.Enqueue(Direct(1003, "failed one", "key-3")));
    EXPECT_OK(q);
    EXPECT_OK(sent);
    EXPECT_OK(failed);
    if (!q.ok() || !sent.ok() || !failed.ok()) return f;
    clock_.Advance(std::chrono::seconds(5));
    EXPECT_OK(
        Await(s.Complete({Completion{sent->id, MessageStatus::kSent, 1, 1, 0, 777, ""},
                          Completion{failed->id, MessageStatus::kFailed, 3, 0, 0, 0, "chat not found"}})));

    NewBroadcast nb;
    nb.bot = kBot;
    nb.all = true;
    nb.text = "sale!";
    nb.options_json = "{}";
    nb.spread_seconds = 60;
    nb.idempotency_key = "campaign-1";
    nb.idempotency_fingerprint = "fp-campaign";
    auto broadcast = Await(s.CreateBroadcast(nb, 1767225600000));
    EXPECT_OK(broadcast);
    if (broadcast.ok()) f.broadcast = *broadcast;

    auto u10 = Await(s.InsertUpdate(Update{kBot, 10, R"({"update_id":10})"}));
    auto u11 = Await(s.InsertUpdate(Update{kBot, 11, R"({"update_id":11})"}));
    auto u12 = Await(s.InsertUpdate(Update{kBot, 12, R"({"update_id":12})"}));
    EXPECT_TRUE(u10.ok() && *u10 && u11.ok() && *u11 && u12.ok() && *u12);
    EXPECT_OK(Await(s.MarkUpdateProcessed(kBot, 10)));
    EXPECT_OK(Await(s.SetUpdateAside(kBot, 12, "cannot parse")));
    EXPECT_OK(Await(s.AddEvent(R"({"type":"message.failed","id":3})", 1767225600000)));
    EXPECT_OK(Await(s.MoveChat(kBot, -100, -200)));

    for (int64_t id : {q->id, sent->id, failed->id}) {
      auto m = Await(s.GetMessage(id));
      EXPECT_OK(m);
      if (m.ok()) f.messages.push_back(*m);
    }
    if (broadcast.ok()) {
      auto b = Await(s.GetBroadcast(broadcast->id));
      EXPECT_OK(b);
      if (b.ok()) f.broadcast = *b;
    }
    auto last = Await(s.LastMessageId());
    EXPECT_OK(last);
    if (last.ok()) f.last_message_id = *last;
    return f;
  }

  asio::io_context io_;
  FakeClock clock_;
  TempDbPath source_;
  std::unique_ptr<pg::TestDatabase> target_;
  std::vector<std::string> progress_;  // the tables CopyOptions::on_table saw
};

void ExpectSameMessage(const Message& want, const Message& got) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.bot, want.bot);
  EXPECT_EQ(got.user, want.user);
  EXPECT_EQ(got.chat_id, want.chat_id);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.options_json, want.options_json);
  EXPECT_EQ(got.priority, want.priority);
  EXPECT_EQ(got.broadcast_id, want.broadcast_id);
  EXPECT_EQ(got.paid, want.paid);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.parts_sent, want.parts_sent);
  EXPECT_EQ(got.not_before_ms, want.not_before_ms);
  EXPECT_EQ(got.telegram_message_id, want.telegram_message_id);
  EXPECT_EQ(got.error, want.error);
  EXPECT_EQ(got.expires_at_ms, want.expires_at_ms);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
}

int64_t Rows(const CopyReport& report, const std::string& table) {
  for (const CopiedTable& t : report.tables)
    if (t.table == table) return t.rows;
  return -1;
}

TEST_F(StoreCopyTest, EverythingReadsBackTheSameAndThePostgresStoreCarriesOn) {
  const Filled f = Fill();
  ASSERT_EQ(f.messages.size(), 3u);
  ASSERT_GT(f.broadcast.id, 0);

  auto report = Copy();
  ASSERT_OK(report);
  EXPECT_EQ(Rows(*report, "bindings"), kUsers);
  EXPECT_EQ(Rows(*report, "link_tokens"), 1);
  EXPECT_EQ(Rows(*report, "broadcasts"), 1);
  EXPECT_EQ(Rows(*report, "messages"), 3 + 2000);  // the broadcast's first chunk
  EXPECT_EQ(Rows(*report, "updates"), 3);
  EXPECT_EQ(Rows(*report, "chat_migrations"), 1);
  EXPECT_EQ(Rows(*report, "events"), 1);
  EXPECT_EQ(report->next_message_id, f.last_message_id + 1);
  EXPECT_EQ(progress_, (std::vector<std::string>{"link_tokens", "bindings", "broadcasts", "messages",
                                                 "updates", "chat_migrations", "events"}));

  auto target = OpenTarget();
  ASSERT_TRUE(target);
  Store& pg = *target;

  // Bindings, with their statuses and the per-bot count the trigger keeps.
  auto b7 = Run(pg.GetBinding(kBot, "u7"));
  ASSERT_OK(b7);
  EXPECT_EQ(b7->chat_id, 1007);
  EXPECT_EQ(b7->status, UserStatus::kActive);
  EXPECT_EQ(b7->linked_at, 107);
  auto b5 = Run(pg.GetBinding(kBot, "u5"));
  ASSERT_OK(b5);
  EXPECT_EQ(b5->status, UserStatus::kBlocked);
  auto active = Run(pg.CountBindings(kBot, UserStatus::kActive));
  ASSERT_OK(active);
  EXPECT_EQ(*active, kUsers - 1);

  // The token's digest was copied: the original token redeems, once.
  auto token = Run(pg.TakeLinkToken("secret-token"));
  ASSERT_OK(token);
  EXPECT_EQ(token->user, "alice");
  EXPECT_EQ(token->expires_at, 4102444800);
  EXPECT_EQ(Run(pg.TakeLinkToken("secret-token")).status().code(), Code::kNotFound);

  // Every column of every message, ids kept.
  for (const Message& want : f.messages) {
    auto got = Run(pg.GetMessage(want.id));
    ASSERT_OK(got);
    ExpectSameMessage(want, *got);
  }
  auto again = Run(pg.Enqueue(Direct(1001, "queued one", "key-1")));
  ASSERT_OK(again);
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(again->id, f.messages[0].id);

  // Updates: dedupe still drops the copied ids; pending and set aside kept.
  for (int64_t id : {10, 11, 12}) {
    auto inserted = Run(pg.InsertUpdate(Update{kBot, id, "{}"}));
    ASSERT_OK(inserted);
    EXPECT_FALSE(*inserted) << "update " << id << " came back as new";
  }
  auto pending = Run(pg.PendingUpdates(kBot, 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].update_id, 11);
  EXPECT_EQ((*pending)[0].payload, R"({"update_id":11})");
  auto aside = Run(pg.CountSetAsideUpdates(kBot));
  ASSERT_OK(aside);
  EXPECT_EQ(*aside, 1);

  auto events = Run(pg.DueEvents(int64_t{1} << 50, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, R"({"type":"message.failed","id":3})");

  // The broadcast: its counts, then its filling goes on where SQLite left it.
  auto b = Run(pg.GetBroadcast(f.broadcast.id));
  ASSERT_OK(b);
  EXPECT_EQ(b->total, f.broadcast.total);
  EXPECT_EQ(b->total, kUsers - 1);
  EXPECT_EQ(b->pending, f.broadcast.pending);
  EXPECT_EQ(b->sent, f.broadcast.sent);
  EXPECT_EQ(b->status, f.broadcast.status);
  EXPECT_EQ(b->spread_seconds, 60);
  auto filled = Run(pg.FillBroadcasts(kBot, 5000));
  ASSERT_OK(filled);
  EXPECT_EQ(*filled, kUsers - 1 - 2000);
  EXPECT_EQ(TargetInt("SELECT count(*) FROM messages WHERE broadcast_id IS NOT NULL"), kUsers - 1);
  auto same_campaign = Run(pg.FindMessageByIdempotencyKey(kBot, "key-3", "fp-key-3"));
  ASSERT_OK(same_campaign);
  EXPECT_EQ(*same_campaign, f.messages[2].id);

  // New rows get ids above every copied one; the chat migration still applies.
  auto fresh = Run(pg.Enqueue(Direct(-100, "to the old group id")));
  ASSERT_OK(fresh);
  EXPECT_FALSE(fresh->existed);
  EXPECT_GT(fresh->id, f.last_message_id + (kUsers - 1 - 2000));
  auto moved = Run(pg.GetMessage(fresh->id));
  ASSERT_OK(moved);
  EXPECT_EQ(moved->chat_id, -200);
  NewBroadcast nb;
  nb.bot = kBot;
  nb.users = {"u1"};
  nb.text = "t";
  nb.options_json = "{}";
  auto second = Run(pg.CreateBroadcast(nb, 1767225600000));
  ASSERT_OK(second);
  EXPECT_GT(second->id, f.broadcast.id);

  // The count stays kept after the copy (its trigger is on again).
  ASSERT_OK(Run(pg.Bind(Binding{kBot, "newcomer", 99999, UserStatus::kActive, 1})));
  auto plus_one = Run(pg.CountBindings(kBot, UserStatus::kActive));
  ASSERT_OK(plus_one);
  EXPECT_EQ(*plus_one, kUsers);
}

// SQLite keeps them in a table of their own (schema v13), PostgreSQL in the
// broadcast's row.
TEST_F(StoreCopyTest, TheUsersABroadcastSkippedAreCopied) {
  int64_t id = 0;
  {
    auto store = OpenSqlite();
    ASSERT_TRUE(store);
    ASSERT_OK(testing::Await(store->Bind(Binding{kBot, "u1", 1, UserStatus::kActive, 1})));
    NewBroadcast nb;
    nb.bot = kBot;
    nb.users = {"u1", "nobody"};
    nb.text = "t";
    nb.options_json = "{}";
    auto b = testing::Await(store->CreateBroadcast(nb, 1767225600000));
    ASSERT_OK(b);
    id = b->id;
  }
  ASSERT_OK(Copy());
  auto target = OpenTarget();
  ASSERT_TRUE(target);
  auto got = Run(target->GetBroadcast(id));
  ASSERT_OK(got);
  EXPECT_EQ(got->skipped_users, (std::vector<SkippedUser>{{"nobody", "not_linked"}}));
  EXPECT_EQ(got->skipped, 1);
}

// The copy leaves the target analyzed: the first requests are planned on
// statistics, not on guesses (pg_class.reltuples is -1 until an ANALYZE).
TEST_F(StoreCopyTest, TheTargetHasStatisticsOnceCopied) {
  {
    auto store = OpenSqlite();
    ASSERT_TRUE(store);
    for (int64_t i = 1; i <= 50; ++i)
      ASSERT_OK(
          testing::Await(store->Bind(Binding{kBot, "u" + std::to_string(i), i, UserStatus::kActive, 1})));
  }
  ASSERT_OK(Copy());
  EXPECT_EQ(TargetInt("SELECT reltuples::bigint FROM pg_class WHERE oid = 'bindings'::regclass"), 50);
  EXPECT_EQ(TargetInt("SELECT count(*) FROM pg_stats WHERE tablename = 'bindings' AND attname = 'site_user'"),
            1);
}

TEST_F(StoreCopyTest, LongTextsGoInSmallerStatements) {
  const Filled f = Fill();
  ASSERT_EQ(f.messages.size(), 3u);
  auto report = Copy("", 64);  // a statement (and a round trip) closes after 64 bytes of text
  ASSERT_OK(report);
  EXPECT_EQ(Rows(*report, "messages"), 3 + 2000);
  EXPECT_EQ(Rows(*report, "bindings"), kUsers);
  auto target = OpenTarget();
  ASSERT_TRUE(target);
  for (const Message& want : f.messages) {
    auto got = Run(target->GetMessage(want.id));
    ASSERT_OK(got);
    ExpectSameMessage(want, *got);
  }
}

TEST_F(StoreCopyTest, RefusesATargetThatHoldsDataAndChangesNothing) {
  Fill();
  ASSERT_OK(Copy());
  const int64_t before = TargetRows();
  auto second = Copy();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_NE(second.status().message().find("the target already holds data"), std::string::npos)
      << second.status().message();
  EXPECT_NE(second.status().message().find("copy into an empty database"), std::string::npos);
  EXPECT_EQ(TargetRows(), before);
}

TEST_F(StoreCopyTest, AFailureHalfWayLeavesTheTargetEmptyToRetryInto) {
  Fill();
  {
    // Events are copied last; PostgreSQL refuses invalid UTF-8 in text.
    auto store = OpenSqlite();
    ASSERT_TRUE(store);
    ASSERT_OK(testing::Await(store->AddEvent("{\"bad\":\"\xff\xfe\"}", 1)));
  }
  auto copied = Copy();
  ASSERT_FALSE(copied.ok());
  EXPECT_NE(copied.status().message().find("events"), std::string::npos) << copied.status().message();
  EXPECT_EQ(TargetRows(), 0);
  // The schema stays (migrated before the copy); the target is empty again.
  EXPECT_EQ(TargetInt("SELECT count(*) FROM schema_version"), 1);
}

TEST_F(StoreCopyTest, RefusesASourceThatIsNoTgateDatabase) {
  auto missing = Copy();
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << missing.status().ToString();

  { std::ofstream(source_.path()) << "not a database at all, just some text that is long enough"; }
  auto garbage = Copy();
  EXPECT_EQ(garbage.status().code(), Code::kConflict) << garbage.status().ToString();
  EXPECT_NE(garbage.status().message().find("is not a tgate database"), std::string::npos);

  std::remove(source_.path().c_str());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(source_.path().c_str(), &db), SQLITE_OK);
  ASSERT_OK(ExecSql(db, "CREATE TABLE other (x INTEGER)"));
  sqlite3_close(db);
  auto other = Copy();
  EXPECT_EQ(other.status().code(), Code::kConflict) << other.status().ToString();
  EXPECT_NE(other.status().message().find("is not a tgate database"), std::string::npos);
  EXPECT_EQ(TargetInt("SELECT count(*) FROM pg_tables WHERE tablename = 'messages'"), 0)
      << "nothing touched the target (no schema was made)";
}

TEST_F(StoreCopyTest, RefusesASourceAtAnotherSchemaVersion) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(source_.path().c_str(), &db), SQLITE_OK);
  std::vector<Migration> older(SchemaMigrations().begin(), SchemaMigrations().end() - 1);
  ASSERT_OK(Migrate(db, older));
  sqlite3_close(db);
  auto old = Copy();
  EXPECT_EQ(old.status().code(), Code::kConflict);
  EXPECT_NE(old.status().message().find("older than this tgate's"), std::string::npos)
      << old.status().message();
  EXPECT_NE(old.status().message().find("run this tgate once on it"), std::string::npos);

  ASSERT_EQ(sqlite3_open(source_.path().c_str(), &db), SQLITE_OK);
  ASSERT_OK(Migrate(db));
  const std::string newer = "PRAGMA user_version = " + std::to_string(LatestSchemaVersion() + 1);
  ASSERT_OK(ExecSql(db, newer.c_str()));
  sqlite3_close(db);
  auto young = Copy();
  EXPECT_EQ(young.status().code(), Code::kConflict);
  EXPECT_NE(young.status().message().find("newer than this tgate's"), std::string::npos)
      << young.status().message();
}

TEST_F(StoreCopyTest, AnUnreachableTargetIsReportedWithoutItsPassword) {
  Fill();
  auto copied = Copy("postgresql://tgate:hunter2-secret@127.0.0.1:1/tgate?connect_timeout=5");
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().message().find("hunter2-secret"), std::string::npos) << copied.status().message();
  EXPECT_NE(copied.status().message().find("cannot reach the target"), std::string::npos)
      << copied.status().message();

  auto not_pg = Copy("/var/lib/tgate/other.db");
  EXPECT_EQ(not_pg.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tgate::store
