// tgate instances: the live tgate instances sharing a PostgreSQL database, as
// the database sees them (cluster/instances.h): each one's id, listen address,
// heartbeat age, the bots it owns and the cluster-wide jobs it runs (the
// leases named "~events" and "~pruner", app/gateway.h). A read, never a change, so it is safe
// to run against a production cluster. On a SQLite database it says that
// instances are a PostgreSQL feature (one tgate serves a SQLite file) and
// exits 0: asking is not an error. An unreachable database exits non-zero,
// naming the database without its password.
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cluster/instances.h"
#include "cluster/lease_options.h"
#include "pg/connection.h"
#include "pg/pool.h"
#include "store/pg_migrations.h"

namespace tgate::cli {
namespace {

struct InstancesArgs {
  std::string db;  // --db; empty = the config's db (TGATE_DB overrides the file)
  bool json = false;
};

// A lease named "~..." is a cluster-wide job (the events sender, the
// pruner), not a bot: bot names cannot start with '~' (config/validate.cc).
bool IsSingleton(const std::string& lease) { return lease.starts_with("~"); }

// The leases of `held` that are bots (singletons = false) or jobs (true),
// the jobs without their '~'.
std::vector<std::string> Leases(const std::vector<std::string>& held, bool singletons) {
  std::vector<std::string> out;
  for (const std::string& l : held) {
    if (IsSingleton(l) == singletons) out.push_back(singletons ? l.substr(1) : l);
  }
  return out;
}

std::string Join(const std::vector<std::string>& names) {
  if (names.empty()) return "-";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

void PrintTable(const std::string& where, const std::vector<cluster::InstanceInfo>& instances) {
  std::cout << instances.size() << (instances.size() == 1 ? " live instance" : " live instances") << " on "
            << where << "\n";
  if (instances.empty()) return;
  char line[256];
  std::snprintf(line, sizeof line, "%-34s %-22s %10s  %-12s %s", "ID", "LISTEN", "HEARTBEAT", "JOBS", "BOTS");
  std::cout << line << "\n";
  for (const cluster::InstanceInfo& i : instances) {
    char age[32];
    std::snprintf(age, sizeof age, "%.1f s", static_cast<double>(i.heartbeat_age.count()) / 1000.0);
    std::snprintf(line, sizeof line, "%-34s %-22s %10s  %-12s %s", i.id.c_str(), i.listen.c_str(), age,
                  Join(Leases(i.bots, true)).c_str(), Join(Leases(i.bots, false)).c_str());
    std::cout << line << "\n";
  }
  std::cout << std::flush;
}

void PrintJson(const std::string& where, const std::vector<cluster::InstanceInfo>& instances) {
  boost::json::array list;
  for (const cluster::InstanceInfo& i : instances) {
    boost::json::array bots, jobs;
    for (const std::string& b : Leases(i.bots, false)) bots.emplace_back(b);
    for (const std::string& j : Leases(i.bots, true)) jobs.emplace_back(j);
    list.emplace_back(boost::json::object{{"id", i.id},
                                          {"listen", i.listen},
                                          {"heartbeat_age_ms", i.heartbeat_age.count()},
                                          {"bots", std::move(bots)},
                                          {"jobs", std::move(jobs)}});
  }
  boost::json::object out{{"backend", "postgresql"}, {"database", where}, {"instances", std::move(list)}};
  std::cout << boost::json::serialize(out) << std::endl;
}

// SQLite: one tgate per database file (app/instance_lock.h), so there is no
// cluster to list.
int ExplainSqlite(const std::string& db, bool json) {
  const std::string sentence =
      "one tgate serves a SQLite database; instances are a PostgreSQL feature "
      "(set db or TGATE_DB to a postgresql:// URL to run several)";
  if (json) {
    boost::json::object out{
        {"backend", "sqlite"}, {"database", db}, {"instances", boost::json::array{}}, {"note", sentence}};
    std::cout << boost::json::serialize(out) << std::endl;
  } else {
    std::cout << "'" << db << "' is a SQLite database: " << sentence << std::endl;
  }
  return 0;
}

int ListOnPostgres(const std::string& url, bool json) {
  const std::string where = pg::Redact(url);
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    // One connection first: a database that cannot be reached, or that no
    // tgate has migrated yet, gets its own clear answer.
    auto conn = co_await pg::Connection::Connect(io.get_executor(), url);
    if (!conn.ok()) {
      co_return Fail("cannot reach the PostgreSQL database " + where + ": " + conn.status().message());
    }
    auto version = co_await store::ReadPgSchemaVersion(**conn);
    if (!version.ok()) {
      co_return Fail("cannot read the PostgreSQL database " + where + ": " + version.status().message());
    }
    conn->reset();
    std::vector<cluster::InstanceInfo> instances;
    if (*version > 0) {
      pg::Pool pool(io.get_executor(), url, 1);
      // "Live" is what the instances themselves rebalance by: a heartbeat
      // within the lease (cluster/lease_options.h's default).
      const std::chrono::milliseconds lease = cluster::LeaseOptions{}.lease;
      auto listed = co_await cluster::ListInstances(pool, lease);
      if (!listed.ok()) {
        co_return Fail("cannot list the instances of " + where + ": " + listed.status().message());
      }
      instances = std::move(*listed);
    }
    if (json) {
      PrintJson(where, instances);
    } else {
      PrintTable(where, instances);
      if (*version == 0) std::cout << "(no tgate has started on this database yet)" << std::endl;
    }
    co_return 0;
  });
}

int RunInstances(const Globals& g, const InstancesArgs& args) {
  std::string db = args.db;
  if (db.empty()) {
    auto c = LoadConfig(g);
    if (!c) return 1;
    db = c->db;
  }
  if (db.empty()) return Fail("no database: give --db, TGATE_DB or db in the config file (--config FILE)");
  if (!pg::IsPostgresUrl(db)) return ExplainSqlite(db, args.json);
  return ListOnPostgres(db, args.json);
}

}  // namespace

void AddInstancesCommand(CLI::App& app, Globals& g) {
  static InstancesArgs args;
  CLI::App* cmd = app.add_subcommand(
      "instances",
      "List the live tgate instances sharing a PostgreSQL database and the bots each owns (read-only)");
  cmd->add_option("--db", args.db,
                  "The database: a postgresql:// URL (default: db from --config, or TGATE_DB). "
                  "Keep the password out of the URL: libpq reads PGPASSWORD or ~/.pgpass");
  cmd->add_flag("--json", args.json, "Print one JSON object instead of a table");
  cmd->callback([&g] { ExitWith(RunInstances(g, args)); });
}

}  // namespace tgate::cli
