// OpenStore: a postgresql:// URL opens and migrates a PostgreSQL store; a
// newer schema, an unreachable server and wrong credentials are clear errors
// without the password; any other path opens SQLite. Needs TGATE_TEST_PG for
// the server's cases.
#include "store/open_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "pg/connection.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

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
