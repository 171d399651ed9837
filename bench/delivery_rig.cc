#include "bench/delivery_rig.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tgate::bench {

using itest::HttpAnswer;
using itest::HttpCall;

namespace {

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

void SeedUsers(const std::string& db, int n) {
  Status st = SeedLinkedUsers(db, n);
  if (!st.ok()) Rig::Die("seed: " + st.ToString());
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
