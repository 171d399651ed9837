#include "bench/delivery_rig.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/await_test_util.h"
#include "core/status_macros.h"
#include "store/open_store.h"
#include "store/store.h"

namespace tgate::bench {

using itest::HttpAnswer;
using itest::HttpCall;

namespace {

// PostgreSQL: tgate's schema (OpenStore migrates), then the bindings in one
// statement (a million one-row round trips would measure the seeding).
void SeedPostgres(const std::string& url, int n) {
  asio::io_context io;
  {
    auto s = tgate::testing::RunAwait(io, store::OpenStore(io.get_executor(), {url, "normal"}));
    if (!s.ok()) {
      std::fprintf(stderr, "seed: %s\n", s.status().ToString().c_str());
      std::exit(1);
    }
  }
  PGconn* conn = PQconnectdb(url.c_str());
  // The counting trigger updates one row per binding: off for the seed, the
  // count set once.
  std::string sql =
      "BEGIN; ALTER TABLE bindings DISABLE TRIGGER bindings_count; "
      "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) SELECT 'default', "
      "'u' || g, g, 0, 0 FROM generate_series(1, " +
      std::to_string(n) +
      ") g; "
      "INSERT INTO binding_counts (bot, active) VALUES ('default', " +
      std::to_string(n) +
      ") ON CONFLICT (bot) DO UPDATE SET active = binding_counts.active + EXCLUDED.active; "
      "ALTER TABLE bindings ENABLE TRIGGER bindings_count; COMMIT";
  PGresult* r = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) std::fprintf(stderr, "seed: %s\n", PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(conn);
  if (!ok) std::exit(1);
}

// CPU seconds a live process's threads have run, to the nanosecond: the sum
// of their /proc/<pid>/task/<tid>/schedstat. (/proc/<pid>/stat counts in
// clock ticks, 10 ms here: over a quick run's 4,000 messages a tick is 2.5 us
// a message, so figures moved in steps that size.) A thread that ended is
// not counted; tgate's and the emulator's live as long as they do. -1 if
// the kernel keeps no schedstat.
double ThreadsCpuSeconds(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  double total = 0;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(task.path() / "schedstat");
    unsigned long long ns = 0;
    if (!(in >> ns)) continue;
    total += double(ns) / 1e9;
    any = true;
  }
  return any ? total : -1;
}

}  // namespace

bool IsPostgres(const std::string& db) { return db.rfind("postgres", 0) == 0; }

void SeedUsers(const std::string& db, int n) {
  if (IsPostgres(db)) return SeedPostgres(db, n);
  auto s = store::Store::Open({db, "normal"});
  if (!s.ok()) {
    std::fprintf(stderr, "seed: %s\n", s.status().ToString().c_str());
    std::exit(1);
  }
  // SQLite's calls never suspend: the transaction is run to its end here.
  asio::io_context io;
  Status st = tgate::testing::RunAwait(io, (*s)->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const store::Binding binding{"default", "u" + std::to_string(i), i, store::UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  }));
  if (!st.ok()) {
    std::fprintf(stderr, "seed: %s\n", st.ToString().c_str());
    std::exit(1);
  }
}

// CPU seconds (user + system) and peak RSS (KiB) of a live process.
std::pair<double, long> CpuAndPeakRss(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(stat)), {});
  size_t close = s.rfind(')');
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  double cpu = double(utime + stime) / sysconf(_SC_CLK_TCK);
  if (const double precise = ThreadsCpuSeconds(pid); precise >= 0) cpu = precise;
  if (getenv("BENCH_DEBUG"))
    std::printf("    (tgate user %.2f s, system %.2f s)\n", double(utime) / sysconf(_SC_CLK_TCK),
                double(stime) / sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  long hwm = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stol(line.substr(6));
  }
  return {cpu, hwm};
}

Rig::Rig(const std::string& dir, Limits limits, int latency_ms, const std::string& request_latency)
    : dir_(dir), limits_(limits) {
  std::vector<std::string> argv{std::string(TGATE_BINARY_DIR) + "/tgate-emulator",
                                "--listen",
                                "127.0.0.1:0",
                                "--token",
                                kToken,
                                "--global-per-sec",
                                std::to_string(limits.global),
                                "--chat-per-sec",
                                std::to_string(limits.chat),
                                "--group-per-min",
                                std::to_string(limits.group_per_min),
                                "--paid-per-sec",
                                std::to_string(limits.paid),
                                "--latency-ms",
                                std::to_string(latency_ms),
                                "--request-latency-ms",
                                request_latency};
  if (!emu_.Start(argv, {}, dir + "/emulator")) Die("cannot start the emulator");
  auto port = emu_.WaitForText("listening on 127.0.0.1:", std::chrono::seconds(10));
  if (!port) Die("emulator did not start: " + emu_.Stderr());
  emu_port_ = static_cast<uint16_t>(std::stoi(*port));
}

void Rig::StartTgate(const std::string& db, std::vector<std::string> wrapper,
                     const std::map<std::string, std::string>& more_env) {
  std::map<std::string, std::string> env{
      {"TGATE_BOT_TOKEN", kToken},
      {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
      {"TGATE_API_KEY", kKey},
      {"TGATE_LISTEN", "127.0.0.1:0"},
      {"TGATE_DB", db},
      {"TGATE_LONG_POLLING", "true"},
      {"TGATE_LOG_LEVEL", getenv("BENCH_DEBUG") ? "debug" : "warn"},
      {"TGATE_LIMIT_GLOBAL_PER_SEC", std::to_string(limits_.global)},
      {"TGATE_LIMIT_CHAT_PER_SEC", std::to_string(limits_.chat)},
      {"TGATE_LIMIT_GROUP_PER_MIN", std::to_string(limits_.group_per_min)},
      {"TGATE_LIMIT_PAID_PER_SEC", std::to_string(limits_.paid)},
      {"TGATE_LIMIT_MAX_IN_FLIGHT", "400"},
  };
  for (const auto& [name, value] : more_env) env[name] = value;
  const bool wrapped = !wrapper.empty();
  std::vector<std::string> argv = std::move(wrapper);
  argv.push_back(std::string(TGATE_BINARY_DIR) + "/tgate");
  argv.push_back("serve");
  if (!tgate_.Start(argv, env, dir_ + "/tgate")) Die("tgate");
  auto port = tgate_.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(wrapped ? 180 : 30));
  if (!port) Die("tgate did not start: " + tgate_.Stderr());
  port_ = static_cast<uint16_t>(std::stoi(*port));
}

HttpAnswer Rig::Api(const std::string& method, const std::string& target, const std::string& body) {
  return HttpCall(port_, method, target, body, {{"Authorization", std::string("Bearer ") + kKey}});
}

HttpAnswer Rig::Emu(const std::string& method, const std::string& target, const std::string& body) {
  return HttpCall(emu_port_, method, target, body);
}

void Rig::Die(const std::string& why) {
  std::fprintf(stderr, "bench: %s\n", why.c_str());
  std::exit(1);
}

}  // namespace tgate::bench
