// Test-only: PgStoreTest, the fixture of the PostgreSQL store's own tests
// (pg_store_*_test.cc): a PgStore on a fresh migrated database
// (pg_store_test_util.h), a FakeClock, and helpers to run a coroutine, open a
// connection of the test's own and read one number. Skips without
// TGATE_TEST_PG. Not the shared store suite (store_test_util.h runs that on
// both backends). Never included by production code.
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

}  // namespace tgate::store::testing
