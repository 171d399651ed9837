// PostgreSQL schema migrations (pg_migrations.h): a fresh database migrated
// and a rerun that does nothing, a newer schema refused, and concurrent
// migrators (instances starting at once) serialized. Needs TGATE_TEST_PG.
#include "store/pg_migrations.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

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

// Version 2 (SQLite's 11): attempts become the sends of the most-tried part,
// sent messages learn their parts; a database at version 1 keeps its rows.
TEST_F(PgMigrationsTest, Version2SplitsPartsFromAttempts) {
  auto conn = Connect();
  ASSERT_TRUE(conn);
  std::vector<PgMigration> v1(PgSchemaMigrations().begin(), PgSchemaMigrations().begin() + 1);
  ASSERT_OK(Await(io_, MigratePg(*conn, v1)));
  ASSERT_OK(
      Await(io_, conn->Query("INSERT INTO messages (bot, chat_id, priority, status, attempts, parts_sent, "
                             "created_at, updated_at) VALUES ('b', 1, 0, 1, 10, 10, 0, 0), "
                             "('b', 2, 0, 1, 12, 10, 0, 0), ('b', 3, 0, 0, 4, 2, 0, 0)")));
  ASSERT_OK(Await(io_, MigratePg(*conn)));
  auto rows = Await(io_, conn->Query("SELECT attempts * 100 + parts FROM messages ORDER BY chat_id"));
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 3);
  EXPECT_EQ(rows->Int64(0, 0), 110);
  EXPECT_EQ(rows->Int64(1, 0), 310);
  EXPECT_EQ(rows->Int64(2, 0), 300);
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

}  // namespace
}  // namespace tgate::store
