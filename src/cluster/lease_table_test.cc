// LeaseTable's SQL against a real PostgreSQL (skipped without TGATE_TEST_PG).
#include "cluster/lease_table.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/instances.h"
#include "core/testing.h"
#include "pg/pg_test_util.h"
#include "store/pg_store_test_util.h"

namespace tgate::cluster {
namespace {

using std::chrono::milliseconds;

// Quotes, a backslash, a comma, braces and a space: the array literal must
// carry any bot name.
const std::string kOddBot = "a\"b\\c,{x} y";

class LeaseTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The store's own migration: the lease tables and the fence exactly as
    // tgate creates them.
    db_ = store::testing::MigratedTestDatabase();
    if (!db_) GTEST_SKIP() << pg::kNoTestServer;
    pool_ = std::make_unique<pg::Pool>(io_.get_executor(), db_->url(), 2);
  }

  LeaseOptions Options(std::string id, milliseconds lease = milliseconds(4000)) {
    LeaseOptions o;
    o.instance_id = std::move(id);
    o.listen = o.instance_id + ":8080";
    o.lease = lease;
    return o;
  }

  template <typename T>
  T Run(Awaitable<T> task) {
    return pg::RunAwait(io_, std::move(task));
  }

  asio::io_context io_;
  std::unique_ptr<pg::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
};

TEST_F(LeaseTableTest, AcquireRenewReleaseWithEpochs) {
  const LeaseOptions oa = Options("a"), ob = Options("b");
  LeaseTable a(*pool_, oa), b(*pool_, ob);

  auto beat = Run(a.Beat({}));
  ASSERT_OK(beat);
  EXPECT_EQ(beat->live, std::vector<std::string>({"a"}));
  beat = Run(b.Beat({}));
  ASSERT_OK(beat);
  EXPECT_EQ(beat->live, std::vector<std::string>({"a", "b"}));

  auto taken = Run(a.Acquire({kOddBot, "q"}));
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, std::vector<Lease>({{kOddBot, 1}, {"q", 1}}));
  // Held and not expired: b takes nothing.
  taken = Run(b.Acquire({kOddBot, "q"}));
  ASSERT_OK(taken);
  EXPECT_TRUE(taken->empty());

  beat = Run(a.Beat({{kOddBot, 1}, {"q", 1}}));
  ASSERT_OK(beat);
  EXPECT_EQ(beat->renewed, std::vector<Lease>({{kOddBot, 1}, {"q", 1}}));
  // A renewal at an epoch that is not the table's renews nothing.
  beat = Run(a.Beat({{"q", 7}}));
  ASSERT_OK(beat);
  EXPECT_TRUE(beat->renewed.empty());

  auto freed = Run(a.Release({"q", "never-held"}));
  ASSERT_OK(freed);
  EXPECT_EQ(*freed, std::vector<std::string>({"q"}));
  taken = Run(b.Acquire({"q"}));
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, std::vector<Lease>({{"q", 2}}));
  // a's lease on q is gone: its renewal says so.
  beat = Run(a.Beat({{"q", 1}, {kOddBot, 1}}));
  ASSERT_OK(beat);
  EXPECT_EQ(beat->renewed, std::vector<Lease>({{kOddBot, 1}}));

  auto list = Run(ListInstances(*pool_, milliseconds(4000)));
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "a");
  EXPECT_EQ((*list)[0].listen, "a:8080");
  EXPECT_EQ((*list)[0].bots, std::vector<std::string>({kOddBot}));
  EXPECT_GE((*list)[0].heartbeat_age.count(), 0);
  EXPECT_EQ((*list)[1].bots, std::vector<std::string>({"q"}));

  freed = Run(b.Leave());
  ASSERT_OK(freed);
  EXPECT_EQ(*freed, std::vector<std::string>({"q"}));
  ASSERT_OK(Run(a.MarkDraining()));
  list = Run(ListInstances(*pool_, milliseconds(4000)));
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());  // b left, a drains
}

TEST_F(LeaseTableTest, AnExpiredLeaseIsTakenWithTheNextEpoch) {
  const LeaseOptions oa = Options("a", milliseconds(50)), ob = Options("b", milliseconds(50));
  LeaseTable a(*pool_, oa), b(*pool_, ob);
  auto taken = Run(a.Acquire({"bot"}));
  ASSERT_OK(taken);
  ASSERT_EQ(taken->size(), 1u);
  std::this_thread::sleep_for(milliseconds(120));  // past the 50 ms lease, on the database's clock too
  taken = Run(b.Acquire({"bot"}));
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, std::vector<Lease>({{"bot", 2}}));
  auto beat = Run(a.Beat({{"bot", 1}}));
  ASSERT_OK(beat);
  EXPECT_TRUE(beat->renewed.empty());
}

// The store's outcome writes call tgate_fence(): a takeover must not slip in
// while a batch of the old owner is under way, and a batch of the old epoch
// must fail after it.
TEST_F(LeaseTableTest, TheFenceHoldsOffATakeoverAndRefusesAStaleEpoch) {
  const LeaseOptions oa = Options("a", milliseconds(50)), ob = Options("b", milliseconds(50));
  LeaseTable a(*pool_, oa), b(*pool_, ob);
  ASSERT_OK(Run(a.Acquire({"bot"})));
  std::this_thread::sleep_for(milliseconds(120));  // expired: b may take it...

  auto writer = Run(pg::Connection::Connect(io_.get_executor(), db_->url()));
  ASSERT_OK(writer);
  ASSERT_OK(Run((*writer)->Query("BEGIN")));
  ASSERT_OK(Run(
      (*writer)->Query("SELECT tgate_fence($1, $2, $3::bigint)", pg::Params().Add("bot").Add("a").Add(1))));

  // ...but not while a's batch holds the row: the row is left for later.
  auto taken = Run(b.Acquire({"bot"}));
  ASSERT_OK(taken);
  EXPECT_TRUE(taken->empty());

  ASSERT_OK(Run((*writer)->Query("COMMIT")));
  taken = Run(b.Acquire({"bot"}));
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, std::vector<Lease>({{"bot", 2}}));

  auto stale = Run(
      (*writer)->Query("SELECT tgate_fence($1, $2, $3::bigint)", pg::Params().Add("bot").Add("a").Add(1)));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ((*writer)->sqlstate(), "TG001");
  ASSERT_OK(Run(
      (*writer)->Query("SELECT tgate_fence($1, $2, $3::bigint)", pg::Params().Add("bot").Add("b").Add(2))));
}

}  // namespace
}  // namespace tgate::cluster
