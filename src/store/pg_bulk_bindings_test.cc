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

class PgBulkBindingsPlanTest : public testing::PgPlanTest {
 protected:
  void SetUp() override {
    PgPlanTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Exec("SET plan_cache_mode = force_generic_plan");
    Exec("PREPARE run_insert AS " + pg_bulk_bindings::InsertRunSql());
    Exec(std::string("PREPARE listed_insert AS ") + pg_bulk_bindings::kListedTargets);
    Exec(std::string("PREPARE listed_read AS ") + pg_bulk_bindings::kListedBindings);
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
