#include "pg/pg_test_util.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "core/testing.h"
#include "pg/connection.h"

namespace tgate::pg {
namespace {

TEST(TestDatabaseTest, CopiesATemplateAndDropsAtTheEnd) {
  auto tpl = TestDatabase::Create();
  if (!tpl) GTEST_SKIP() << kNoTestServer;
  asio::io_context io;
  {
    auto c = RunAwait(io, Connection::Connect(io.get_executor(), tpl->url()));
    ASSERT_OK(c);
    ASSERT_OK(RunAwait(io, (*c)->Query("CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('x')")));
  }  // a template must have no connections
  std::string copy_name;
  {
    auto copy = TestDatabase::Create(tpl->name());
    ASSERT_TRUE(copy);
    copy_name = copy->name();
    EXPECT_NE(copy_name, tpl->name());
    auto c = RunAwait(io, Connection::Connect(io.get_executor(), copy->url()));
    ASSERT_OK(c);
    auto r = RunAwait(io, (*c)->Query("SELECT v FROM seeded"));
    ASSERT_OK(r);
    EXPECT_EQ(r->Text(0, 0), "x");
    // Still connected when the copy goes: WITH (FORCE) drops it anyway.
    copy.reset();
    EXPECT_EQ(RunAwait(io, (*c)->Query("SELECT 1")).status().code(), Code::kUnavailable);
  }
  auto gone = RunAwait(io, Connection::Connect(io.get_executor(), WithDatabase(PgTestUrl(), copy_name)));
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
}

TEST(WithDatabaseTest, ReplacesTheDatabase) {
  EXPECT_EQ(WithDatabase("postgresql://postgres@/postgres?host=/tmp/x&port=1", "d"),
            "postgresql://postgres@/d?host=/tmp/x&port=1");
  EXPECT_EQ(WithDatabase("postgresql://u@h:5/x", "d"), "postgresql://u@h:5/d");
  EXPECT_EQ(WithDatabase("postgresql://u@h", "d"), "postgresql://u@h/d");
  EXPECT_EQ(WithDatabase("postgresql://u@h?port=5", "d"), "postgresql://u@h/d?port=5");
  EXPECT_EQ(WithDatabase("host=h", "d"), "host=h dbname=d");
}

}  // namespace
}  // namespace tgate::pg
