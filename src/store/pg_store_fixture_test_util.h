// Test-only: PgStoreTest, the fixture of the PostgreSQL store's own tests
// (pg_store_*_test.cc): a PgStore on a fresh migrated database
// (pg_store_test_util.h), a FakeClock, and helpers to run a coroutine, open a
// connection of the test's own and read one number. Skips without
// TGATE_TEST_PG. Not the shared store suite (store_test_util.h runs that on
// both backends). Never included by production code.
// PgPlanTest: the fixture of the tests of what plans PostgreSQL picks for a
// statement (pg_bulk_bindings_test.cc, pg_event_run_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <utility>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "pg/connection.h"
#include "store/pg_store.h"
#include "store/pg_store_test_util.h"

namespace tgate::store::testing {

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

// A fresh migrated database whose bindings table holds 5,000 linked users of
// one bot and 500 of another, a few blocked, with no statistics (filled in
// bulk, as by `tgate store copy` or a seed, before autovacuum's ANALYZE:
// autovacuum is kept off the table), and a connection of the test's own.
class PgPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TGATE_SKIP_WITHOUT_PG();
    db_ = MigratedTestDatabase();
    ASSERT_TRUE(db_);
    auto conn = Await(io_, pg::Connection::Connect(io_.get_executor(), db_->url()));
    ASSERT_OK(conn);
    conn_ = std::move(*conn);
    Exec("ALTER TABLE bindings SET (autovacuum_enabled = false)");
    Exec(
        "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) "
        "SELECT CASE WHEN g % 11 = 0 THEN 'other' ELSE 'default' END, 'u' || g, g, "
        "CASE WHEN g % 97 = 0 THEN 1 ELSE 0 END, 0 FROM generate_series(1, 5500) g");
  }

  void Exec(const std::string& sql) { ASSERT_OK(Await(io_, conn_->Query(sql))); }

  // EXPLAIN's lines for `statement`, joined by newlines.
  std::string Plan(const std::string& statement) {
    auto rows = Await(io_, conn_->Query("EXPLAIN " + statement));
    EXPECT_OK(rows);
    std::string plan;
    if (!rows.ok()) return plan;
    for (int i = 0; i < rows->size(); ++i) plan += std::string(rows->Text(i, 0)) + "\n";
    return plan;
  }

  asio::io_context io_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
};

}  // namespace tgate::store::testing
