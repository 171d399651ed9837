// `tgate instances` through the real binary: on a PostgreSQL database that a
// real `tgate serve` migrated, it lists the live instances (heartbeat within
// the lease, not draining) with their unexpired leases, as a table or JSON;
// on SQLite it explains that instances are a PostgreSQL feature (exit 0); an
// unreachable database is a non-zero exit naming it without the password.
// Against several running instances: tests/integration/cluster_test.cc.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>

#include "harness/postgres_fixture.h"

namespace tgate::itest {
namespace {

class Instances : public PostgresGatewayTest {
 protected:
  // Runs `tgate args...` to completion; returns (exit code, stdout, stderr).
  struct Ran {
    int code;
    std::string out;
    std::string err;
  };
  Ran Tgate(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), std::string(TGATE_BINARY_DIR) + "/tgate");
    Process p;
    EXPECT_TRUE(p.Start(args, env, dir_ + "/instances-" + std::to_string(++runs_)));
    int code = p.Wait(std::chrono::seconds(20));
    return {code, p.Stdout(), p.Stderr()};
  }

  // Lets a real tgate migrate the test database, then stops it.
  void MigrateWithRealTgate() {
    StartEmulator();
    StartTgate(OnPostgres());
    ASSERT_EQ(StopTgate(), 0);
  }

  void Sql(const std::string& sql) {
    PGconn* conn = PQconnectdb(db_->url().c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
  }

  // Two live instances (one holding two bots, one the events sender's lease
  // and a bot whose lease expired),
  // one silent for an hour and one draining: what a cluster mid-rebalance
  // looks like to the database.
  void InsertCluster() {
    Sql("DELETE FROM bot_leases; DELETE FROM instances;"
        "INSERT INTO instances (id, listen, heartbeat_at, draining) VALUES "
        "('inst-a', '10.0.0.1:8080', now(), false),"
        "('inst-b', '10.0.0.2:8080', now() - interval '1 second', false),"
        "('inst-dead', '10.0.0.3:8080', now() - interval '1 hour', false),"
        "('inst-draining', '10.0.0.4:8080', now(), true);"
        "INSERT INTO bot_leases (bot, owner, epoch, expires_at) VALUES "
        "('shop', 'inst-a', 3, now() + interval '4 seconds'),"
        "('default', 'inst-a', 1, now() + interval '4 seconds'),"
        "('news', 'inst-b', 2, now() - interval '1 second'),"
        "('old', 'inst-dead', 5, now() - interval '1 hour'),"
        "('~events', 'inst-b', 1, now() + interval '4 seconds');");
  }

  int runs_ = 0;
};

TEST_F(Instances, ListsTheLiveInstancesAndTheBotsEachOwns) {
  MigrateWithRealTgate();
  InsertCluster();
  auto r = Tgate({"instances", "--db", db_->url()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 live instances"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inst-a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10.0.0.1:8080"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default,shop"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inst-b"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("news"), std::string::npos) << "an expired lease is owned by no one\n" << r.out;
  EXPECT_EQ(r.out.find("inst-dead"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("inst-draining"), std::string::npos) << r.out;
}

TEST_F(Instances, JsonGivesEachInstanceItsHeartbeatAgeAndBots) {
  MigrateWithRealTgate();
  InsertCluster();
  // The database from TGATE_DB, as `tgate serve` reads it.
  auto r = Tgate({"instances", "--json"}, {{"TGATE_DB", db_->url()}});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("backend").as_string(), "postgresql");
  const auto& list = o.at("instances").as_array();
  ASSERT_EQ(list.size(), 2u) << r.out;
  const auto& a = list[0].as_object();
  EXPECT_EQ(a.at("id").as_string(), "inst-a");
  EXPECT_EQ(a.at("listen").as_string(), "10.0.0.1:8080");
  ASSERT_EQ(a.at("bots").as_array().size(), 2u);
  EXPECT_EQ(a.at("bots").as_array()[0].as_string(), "default");
  EXPECT_EQ(a.at("bots").as_array()[1].as_string(), "shop");
  const auto& b = list[1].as_object();
  EXPECT_EQ(b.at("id").as_string(), "inst-b");
  EXPECT_TRUE(b.at("bots").as_array().empty()) << "~events is a job, not a bot";
  ASSERT_EQ(b.at("jobs").as_array().size(), 1u);
  EXPECT_EQ(b.at("jobs").as_array()[0].as_string(), "events");
  EXPECT_TRUE(a.at("jobs").as_array().empty());
  // Database clock: inst-b's heartbeat is a second older than inst-a's.
  EXPECT_GE(b.at("heartbeat_age_ms").to_number<int64_t>(), 1000);
  EXPECT_LT(a.at("heartbeat_age_ms").to_number<int64_t>(), 1000);
}

TEST_F(Instances, ADatabaseNoTgateHasUsedListsNone) {
  auto r = Tgate({"instances", "--db", db_->url()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 live instances"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no tgate has started on this database yet"), std::string::npos) << r.out;
}

TEST_F(Instances, OnSqliteSaysInstancesAreAPostgresFeature) {
  auto r = Tgate({"instances"}, {{"TGATE_DB", dir_ + "/tgate.db"}});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("one tgate serves a SQLite database"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PostgreSQL feature"), std::string::npos) << r.out;
  auto j = Tgate({"instances", "--json"}, {{"TGATE_DB", dir_ + "/tgate.db"}});
  EXPECT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(boost::json::parse(j.out).as_object().at("backend").as_string(), "sqlite") << j.out;
}

TEST_F(Instances, AnUnreachableDatabaseFailsNamingItWithoutThePassword) {
  // Port 1: nothing listens there.
  auto r = Tgate({"instances", "--db", "postgresql://tgate:hunter2secret@127.0.0.1:1/tgate"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("postgresql://tgate:***@127.0.0.1:1/tgate"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2secret"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace tgate::itest
