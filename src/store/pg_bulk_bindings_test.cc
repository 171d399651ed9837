// The plans PostgreSQL picks for the statements that look many users'
// bindings up at once (pg_bulk_bindings.h): on a bindings table filled in
// bulk with no statistics, as after `tgate store copy` or a seed and before
// autovacuum's ANALYZE, and again once analyzed, a run of messages and a
// listed broadcast find each binding by the primary key, never by
// bindings_by_status (which read every active binding of the bot for each
// user). Generic plans, as a prepared statement settles on. Needs TGATE_TEST_PG.
#include "store/pg_bulk_bindings.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/pg_store_fixture_test_util.h"
#include "store/pg_store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

class PgBulkBindingsPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TGATE_SKIP_WITHOUT_PG();
    db_ = testing::MigratedTestDatabase();
    ASSERT_TRUE(db_);
    auto conn = Await(io_, pg::Connection::Connect(io_.get_executor(), db_->url()));
    ASSERT_OK(conn);
    conn_ = std::move(*conn);
    // 5,000 linked users of one bot, 500 of another, a few blocked; no
    // statistics (autovacuum kept off this table for the test).
    Exec("ALTER TABLE bindings SET (autovacuum_enabled = false)");
    Exec(
        "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) "
        "SELECT CASE WHEN g % 11 = 0 THEN 'other' ELSE 'default' END, 'u' || g, g, "
        "CASE WHEN g % 97 = 0 THEN 1 ELSE 0 END, 0 FROM generate_series(1, 5500) g");
    Exec("SET plan_cache_mode = force_generic_plan");
    Exec("PREPARE run_insert AS " + pg_bulk_bindings::InsertRunSql());
    Exec(std::string("PREPARE listed_insert AS ") + pg_bulk_bindings::kListedTargets);
    Exec(std::string("PREPARE listed_read AS ") + pg_bulk_bindings::kListedBindings);
  }

  void Exec(const std::string& sql) { ASSERT_OK(Await(io_, conn_->Query(sql))); }

  // EXPLAIN's lines for `execute`, joined by newlines.
  std::string Plan(const std::string& execute) {
    auto rows = Await(io_, conn_->Query("EXPLAIN " + execute));
    EXPECT_OK(rows);
    std::string plan;
    if (!rows.ok()) return plan;
    for (int i = 0; i < rows->size(); ++i) plan += std::string(rows->Text(i, 0)) + "\n";
    return plan;
  }

  void ExpectEachStatementReadsThePrimaryKey() {
    const std::string run = Plan(
        "EXECUTE run_insert('{default,default}', '{u1,u2}', '{hi,there}', '{\"\",\"\"}', '{0,0}', "
        "'{k1,k2}', '{f1,f2}', '{0,0}', 1700000000)");
    EXPECT_NE(run.find("bindings_pkey"), std::string::npos) << run;
    EXPECT_EQ(run.find("bindings_by_status"), std::string::npos) << run;
    const std::string listed =
        Plan("EXECUTE listed_insert('default', 1, 0, 0, 0, 2, 1700000000, 0, '{u1,u2}')");
    EXPECT_NE(listed.find("bindings_pkey"), std::string::npos) << listed;
    EXPECT_EQ(listed.find("bindings_by_status"), std::string::npos) << listed;
    const std::string read = Plan("EXECUTE listed_read('default', '{u1,u2}')");
    EXPECT_NE(read.find("bindings_pkey"), std::string::npos) << read;
    EXPECT_EQ(read.find("bindings_by_status"), std::string::npos) << read;
  }

  asio::io_context io_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<pg::Connection> conn_;
};

TEST_F(PgBulkBindingsPlanTest, ABindingIsFoundByItsUserBeforeTheTableIsAnalyzed) {
  ExpectEachStatementReadsThePrimaryKey();
}

TEST_F(PgBulkBindingsPlanTest, ABindingIsFoundByItsUserOnceTheTableIsAnalyzed) {
  Exec("ANALYZE bindings");
  ExpectEachStatementReadsThePrimaryKey();
}

}  // namespace
}  // namespace tgate::store
