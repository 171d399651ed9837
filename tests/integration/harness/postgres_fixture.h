// PostgresGatewayTest: GatewayTest on PostgreSQL — a fresh database on the
// test server (TGATE_TEST_PG, exported by scripts/test.sh) per test, dropped
// at the end. Tests start tgate with OnPostgres() (TGATE_DB = the database's
// URL); several tgate processes may share it. Skips when no test server is
// configured. Not a PostgreSQL client: the tests talk to tgate over HTTP.
#pragma once

#include <memory>

#include "harness/gateway_fixture.h"
#include "pg/pg_test_util.h"

namespace tgate::itest {

class PostgresGatewayTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    db_ = pg::TestDatabase::Create();
    if (!db_) GTEST_SKIP() << pg::kNoTestServer;
  }

  // `options` with TGATE_DB set to this test's database.
  TgateOptions OnPostgres(TgateOptions options = {}) const {
    options.env["TGATE_DB"] = db_->url();
    return options;
  }

  std::unique_ptr<pg::TestDatabase> db_;
};

}  // namespace tgate::itest
