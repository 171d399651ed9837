// LeaseKeeper against a real PostgreSQL (skipped without TGATE_TEST_PG):
// several keepers in one process, each with its own pool, on one database.
// After every step of the io loop (a few ms) and at every acquisition, no bot
// may have two keepers with MaySend true.
#include "cluster/lease_keeper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <map>
#include <set>

#include "cluster/instances.h"
#include "cluster/rendezvous.h"
#include "core/metrics.h"
#include "core/testing.h"
#include "pg/pg_test_util.h"
#include "store/pg_store_test_util.h"

namespace tgate::cluster {
namespace {

using std::chrono::milliseconds;

struct Node {
  std::string id;
  Metrics metrics;
  std::unique_ptr<pg::Pool> pool;       // for the test's own reads
  std::unique_ptr<LeaseKeeper> keeper;  // opens its own connections
  std::vector<std::string> lost;        // on_lost, in order
};

class LeaseKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The store's own migration: the lease tables and the fence exactly as
    // tgate creates them.
    db_ = store::testing::MigratedTestDatabase();
    if (!db_) GTEST_SKIP() << pg::kNoTestServer;
    for (int i = 0; i < 12; ++i) bots_.push_back("bot" + std::to_string(i));
  }
  void TearDown() override {
    nodes_.clear();
    db_.reset();
    for (const std::string& role : roles_) {
      EXPECT_EQ(pg::ExecSql(pg::PgTestUrl(), "DROP ROLE IF EXISTS " + role), "");
    }
  }

  Node& Add(std::string id, std::string conninfo = {}) {
    auto node = std::make_unique<Node>();
    Node* n = node.get();
    n->id = id;
    n->pool = std::make_unique<pg::Pool>(io_.get_executor(), db_->url(), 1);  // the test's reads
    LeaseOptions o = options_;
    o.instance_id = id;
    o.listen = id + ":8080";
    o.bots = bots_;
    LeaseKeeper::Callbacks cb;
    cb.on_acquired = [this, n](const std::string& bot, int64_t epoch) {
      for (const auto& other : nodes_) {
        if (other.get() != n && other->keeper) {
          EXPECT_FALSE(other->keeper->MaySend(bot))
              << n->id << " took " << bot << " while " << other->id << " sends";
        }
      }
      EXPECT_GT(epoch, max_epoch_[bot]) << bot << ": epochs only grow";
      max_epoch_[bot] = epoch;
    };
    cb.on_lost = [n](const std::string& bot) { n->lost.push_back(bot); };
    auto keeper = LeaseKeeper::Create(io_.get_executor(), conninfo.empty() ? db_->url() : conninfo, clock_,
                                      &n->metrics, o, std::move(cb));
    EXPECT_OK(keeper);
    n->keeper = std::move(*keeper);
    n->keeper->Start();
    nodes_.push_back(std::move(node));
    return *n;
  }

  void CheckExclusive() {
    for (const std::string& bot : bots_) {
      std::vector<std::string> senders;
      for (const auto& n : nodes_) {
        if (n->keeper && n->keeper->MaySend(bot)) senders.push_back(n->id);
      }
      if (senders.size() > 1) {
        ADD_FAILURE() << bot << " has " << senders.size() << " senders: " << senders[0] << ", " << senders[1];
        exclusive_violated_ = true;
      }
    }
  }

  // Runs the io loop in small steps, checking exclusivity after each, until
  // `done` holds or `limit` passed.
  bool RunUntil(const std::function<bool()>& done, milliseconds limit) {
    const SteadyTime until = clock_.Now() + limit;
    for (;;) {
      io_.run_for(milliseconds(2));
      CheckExclusive();
      if (exclusive_violated_) return false;
      if (done()) return true;
      if (clock_.Now() >= until) return false;
    }
  }
  void RunFor(milliseconds d) {
    RunUntil([] { return false; }, d);
  }

  std::vector<std::string> Live() const {
    std::vector<std::string> ids;
    for (const auto& n : nodes_) {
      if (n->keeper && !draining_.contains(n->id)) ids.push_back(n->id);
    }
    return ids;
  }
  // Every bot held, with MaySend, by its desired owner among the live nodes.
  bool Balanced() const {
    const std::vector<std::string> live = Live();
    for (const std::string& bot : bots_) {
      const std::string want = DesiredOwner(bot, live);
      for (const auto& n : nodes_) {
        if (!n->keeper) continue;
        if (n->keeper->MaySend(bot) != (n->id == want)) return false;
      }
    }
    return true;
  }

  // Runs `task` to its end beside the keepers (pg::RunAwait would wait for
  // the keepers' loops too).
  template <typename T>
  T Await(Awaitable<T> task) {
    std::optional<T> out;
    asio::co_spawn(io_, pg::test_internal::StoreResult(std::move(task), &out), asio::detached);
    RunUntil([&] { return out.has_value(); }, milliseconds(10000));
    if (!out) {
      ADD_FAILURE() << "the coroutine did not finish";
      return T(Status::Internal("did not finish"));
    }
    return std::move(*out);
  }

  Status Drain(Node& n) {
    draining_.insert(n.id);
    return Await(n.keeper->Drain());
  }

  asio::io_context io_;
  SystemClock clock_;
  std::unique_ptr<pg::TestDatabase> db_;
  LeaseOptions options_;  // timings; ids and bots are filled per node
  std::vector<std::string> bots_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::set<std::string> draining_;
  std::map<std::string, int64_t> max_epoch_;
  std::vector<std::string> roles_;
  bool exclusive_violated_ = false;
};

TEST_F(LeaseKeeperTest, TwoKeepersSpreadTheBots) {
  Node& a = Add("node-a");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  EXPECT_EQ(a.keeper->owned().size(), bots_.size());  // alone, it runs them all

  Node& b = Add("node-b");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  EXPECT_FALSE(a.keeper->owned().empty());
  EXPECT_FALSE(b.keeper->owned().empty());
  EXPECT_EQ(a.keeper->owned().size() + b.keeper->owned().size(), bots_.size());
  // a released b's bots (on_lost first), b took them at epoch 2.
  std::sort(a.lost.begin(), a.lost.end());
  EXPECT_EQ(a.lost, b.keeper->owned());
  for (const std::string& bot : b.keeper->owned()) EXPECT_EQ(b.keeper->Epoch(bot), 2) << bot;
  RunFor(milliseconds(1500));  // beats renew: nothing moves
  EXPECT_TRUE(Balanced());

  const std::string one = b.keeper->owned()[0];
  const std::string metrics_b = b.metrics.Render(), metrics_a = a.metrics.Render();
  EXPECT_NE(metrics_b.find("tgate_bot_owned{bot=\"" + one + "\"} 1"), std::string::npos) << metrics_b;
  EXPECT_NE(metrics_a.find("tgate_bot_owned{bot=\"" + one + "\"} 0"), std::string::npos) << metrics_a;
  EXPECT_NE(metrics_b.find("tgate_lease_takeovers_total{bot=\"" + one + "\"} 1"), std::string::npos);
  EXPECT_EQ(metrics_b.find("tgate_lease_renewals_total{bot=\"" + one + "\"} 0"), std::string::npos)
      << "b renewed " << one << " at its beats";

  auto list = Await(ListInstances(*a.pool, options_.lease));
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].bots, a.keeper->owned());
  EXPECT_EQ((*list)[1].bots, b.keeper->owned());
}

TEST_F(LeaseKeeperTest, ADrainedKeepersBotsMoveAtOnceWithNewEpochs) {
  // Beats of 3 s: a handover within 1.5 s can only come from the
  // notification, not from the others' next beat.
  options_.beat = milliseconds(3000);
  options_.lease = milliseconds(10000);
  Add("node-a");
  Node& b = Add("node-b");
  Add("node-c");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  const std::vector<std::string> moved = b.keeper->owned();
  ASSERT_FALSE(moved.empty());
  std::map<std::string, int64_t> before;
  for (const std::string& bot : moved) before[bot] = *b.keeper->Epoch(bot);
  b.lost.clear();  // the balancing's

  ASSERT_OK(Drain(b));
  EXPECT_EQ(b.lost, moved);  // every bot stopped, before the release
  for (const std::string& bot : bots_) EXPECT_FALSE(b.keeper->MaySend(bot));
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(1500)))
      << "the others did not take the drained keeper's bots within 1.5 s";
  for (const std::string& bot : moved) {
    for (const auto& n : nodes_) {
      if (n->keeper->MaySend(bot)) {
        EXPECT_GT(*n->keeper->Epoch(bot), before[bot]) << bot;
      }
    }
  }
  auto list = Await(ListInstances(*b.pool, options_.lease));
  ASSERT_OK(list);
  EXPECT_EQ(list->size(), 2u);
}

TEST_F(LeaseKeeperTest, AKeeperCutOffStopsInTimeAndComesBack) {
  options_.beat = milliseconds(200);
  options_.lease = milliseconds(1500);
  options_.margin = milliseconds(500);
  // node-a logs in as a role of its own, so the test can cut it off the
  // database (NOLOGIN, its connections terminated) and let it back.
  const std::string role = "lease_cut_" + db_->name();
  roles_.push_back(role);
  ASSERT_EQ(pg::ExecSql(pg::PgTestUrl(), "CREATE ROLE " + role + " LOGIN"), "");
  ASSERT_EQ(
      pg::ExecSql(db_->url(), "GRANT SELECT, INSERT, UPDATE, DELETE ON instances, bot_leases TO " + role),
      "");
  std::string url = db_->url();
  const size_t user = url.find("://postgres@");
  ASSERT_NE(user, std::string::npos) << "expected the test server's URL to name the user postgres";
  url.replace(user, std::string("://postgres@").size(), "://" + role + "@");

  Node& a = Add("node-a", url);
  Node& b = Add("node-b");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  const std::vector<std::string> held = a.keeper->owned();
  ASSERT_FALSE(held.empty());
  std::map<std::string, int64_t> before;
  for (const std::string& bot : held) before[bot] = *a.keeper->Epoch(bot);
  a.lost.clear();

  ASSERT_EQ(pg::ExecSql(pg::PgTestUrl(), "ALTER ROLE " + role + " NOLOGIN"), "");
  ASSERT_EQ(pg::ExecSql(pg::PgTestUrl(),
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE usename = '" +
                            role + "'"),
            "");
  // Taken once the cut is done: a renewal sent while the two statements above
  // ran may still have succeeded, and its window starts when it was sent.
  const SteadyTime cut = clock_.Now();
  // Its last renewal that succeeded was sent before the cut: by cut + lease -
  // margin its window has closed, whatever the database says.
  const SteadyTime closed = cut + options_.lease - options_.margin;
  RunUntil([&] { return false; }, std::chrono::duration_cast<milliseconds>(closed - clock_.Now()));
  for (const std::string& bot : bots_) EXPECT_FALSE(a.keeper->MaySend(bot)) << bot;
  // The watch runs at the window's end and lets the bots go; MaySend above
  // is what keeps the sends safe, so its bookkeeping may come a little later
  // on a slow (sanitized, loaded) run.
  EXPECT_TRUE(RunUntil([&] { return a.keeper->owned().empty(); }, milliseconds(2000)));
  EXPECT_EQ(a.lost, held);
  const std::string rendered = a.metrics.Render();
  EXPECT_EQ(rendered.find("tgate_lease_renewal_failures_total{bot=\"" + held[0] + "\"} 0"), std::string::npos)
      << rendered;
  EXPECT_NE(rendered.find("tgate_bot_owned{bot=\"" + held[0] + "\"} 0"), std::string::npos) << rendered;

  // b takes a's bots once a's leases expired on the database's clock.
  draining_.insert("node-a");  // not live for Balanced()
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  EXPECT_EQ(b.keeper->owned().size(), bots_.size());

  // Back on the database: a registers again and gets its bots back.
  ASSERT_EQ(pg::ExecSql(pg::PgTestUrl(), "ALTER ROLE " + role + " LOGIN"), "");
  draining_.erase("node-a");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  EXPECT_EQ(a.keeper->owned(), held);
  for (const std::string& bot : held) EXPECT_GT(*a.keeper->Epoch(bot), before[bot]) << bot;
}

TEST_F(LeaseKeeperTest, AKilledConnectionIsReplacedWithoutLosingTheBots) {
  options_.beat = milliseconds(200);
  options_.lease = milliseconds(1500);
  options_.margin = milliseconds(500);
  Node& a = Add("node-a");
  Node& b = Add("node-b");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  a.lost.clear();  // the balancing's
  b.lost.clear();
  // Every backend but the test's own: the pools and the listeners.
  ASSERT_EQ(pg::ExecSql(db_->url(),
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            "");
  RunFor(milliseconds(1000));
  EXPECT_TRUE(Balanced());
  EXPECT_TRUE(a.lost.empty()) << "a pool reconnects within a beat: the bots stay";
  EXPECT_TRUE(b.lost.empty());
}

// A keeper that vanishes without a drain (kill -9): its heartbeat stops, its
// leases expire, and the others take its bots after the lease, at new epochs.
TEST_F(LeaseKeeperTest, ACrashedKeepersBotsMoveAfterTheLease) {
  options_.beat = milliseconds(200);
  options_.lease = milliseconds(1500);
  options_.margin = milliseconds(500);
  Add("node-a");
  Node& b = Add("node-b");
  Add("node-c");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  const std::vector<std::string> orphaned = b.keeper->owned();
  ASSERT_FALSE(orphaned.empty());
  std::map<std::string, int64_t> before;
  for (const std::string& bot : orphaned) before[bot] = *b.keeper->Epoch(bot);

  b.keeper.reset();  // no Drain: as if the process died
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(6000)));
  for (const std::string& bot : orphaned) {
    for (const auto& n : nodes_) {
      if (n->keeper && n->keeper->MaySend(bot)) {
        EXPECT_GT(*n->keeper->Epoch(bot), before[bot]) << bot;
      }
    }
  }
  auto list = Await(ListInstances(*b.pool, options_.lease));
  ASSERT_OK(list);
  EXPECT_EQ(list->size(), 2u);  // b is not live any more
}

// A renewal that hangs (here: another transaction holds the keeper's lease
// rows) must not keep the keeper sending: the watch closes its windows at
// lease - margin after the last renewal that was answered.
TEST_F(LeaseKeeperTest, AHungRenewalClosesTheWindowAnyway) {
  options_.beat = milliseconds(200);
  options_.lease = milliseconds(1500);
  options_.margin = milliseconds(500);
  Node& a = Add("node-a");
  Add("node-b");
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  const std::vector<std::string> held = a.keeper->owned();
  ASSERT_FALSE(held.empty());
  a.lost.clear();

  auto blocker = Await(pg::Connection::Connect(io_.get_executor(), db_->url()));
  ASSERT_OK(blocker);
  ASSERT_OK(Await((*blocker)->Query("BEGIN")));
  const SteadyTime blocked = clock_.Now();
  ASSERT_OK(Await((*blocker)->Query("SELECT bot FROM bot_leases WHERE owner = 'node-a' FOR UPDATE")));

  const SteadyTime closed = blocked + options_.lease - options_.margin;
  RunUntil([] { return false; }, std::chrono::duration_cast<milliseconds>(closed - clock_.Now()));
  for (const std::string& bot : bots_) EXPECT_FALSE(a.keeper->MaySend(bot)) << bot;
  RunFor(milliseconds(50));
  EXPECT_TRUE(a.keeper->owned().empty());
  EXPECT_EQ(a.lost, held);

  // Unblocked: the late renewal gives nothing back (its window counts from
  // when it was sent); a acquires its bots again, at new epochs.
  ASSERT_OK(Await((*blocker)->Query("COMMIT")));
  ASSERT_TRUE(RunUntil([&] { return Balanced(); }, milliseconds(5000)));
  EXPECT_EQ(a.keeper->owned(), held);
}

TEST(LeaseKeeperCreate, RefusesBadOptions) {
  asio::io_context io;
  SystemClock clock;
  LeaseOptions o;
  o.instance_id = "x";
  o.margin = milliseconds(3500);
  auto keeper = LeaseKeeper::Create(io.get_executor(), "postgresql://nowhere/none", clock, nullptr, o, {});
  ASSERT_FALSE(keeper.ok());
  EXPECT_EQ(keeper.status().code(), Code::kInvalidArgument);
  o.margin = milliseconds(1000);
  keeper = LeaseKeeper::Create(io.get_executor(), "postgresql://u:pw@h/db?nosuch=1", clock, nullptr, o, {});
  ASSERT_FALSE(keeper.ok());
  EXPECT_EQ(keeper.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tgate::cluster
