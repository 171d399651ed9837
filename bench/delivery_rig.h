// DeliveryRig: what delivery_bench's runs run on — the emulator at a run's
// limits and the real tgate pointed at it, as two processes on loopback; the
// linked users seeded straight into tgate's database; and a live process's
// CPU time and peak RSS, read from /proc. Not the runs and their figures
// (delivery_bench.cc), and not the floors they are compared with
// (request_floor.h, transport_floor.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bench/seed_users.h"
#include "harness/http_call.h"
#include "harness/process.h"

namespace tgate::bench {

inline constexpr char kToken[] = "123456789:BENCH_fake_token_for_benchmarks_only_x";
inline constexpr char kKey[] = "bench-key";

// Telegram's limits for a run (scaled up so a run takes a minute or two).
struct Limits {
  double global = 30, chat = 1, group_per_min = 20, paid = 1000;
};

// SeedLinkedUsers (seed_users.h), exiting on failure.
void SeedUsers(const std::string& db, int n);
// CPU seconds (user + system) and peak RSS (KiB) of a live process.
std::pair<double, long> CpuAndPeakRss(pid_t pid);

class Rig {
 public:
  // Starts the emulator. `request_latency`: its --request-latency-ms ("MIN:MAX").
  Rig(const std::string& dir, Limits limits, int latency_ms = 0, const std::string& request_latency = "0");

  // Starts tgate on `db`. `wrapper`: the command it runs under (valgrind,
  // for --instructions). `env`: more of its environment (TGATE_EVENTS_URL, ...).
  void StartTgate(const std::string& db, std::vector<std::string> wrapper = {},
                  const std::map<std::string, std::string>& env = {});

  itest::HttpAnswer Api(const std::string& method, const std::string& target, const std::string& body = "");
  itest::HttpAnswer Emu(const std::string& method, const std::string& target, const std::string& body = "");
  itest::Process& tgate() { return tgate_; }
  uint16_t emulator_port() const { return emu_port_; }
  itest::Process& emulator() { return emu_; }

  [[noreturn]] static void Die(const std::string& why);

 private:
  std::string dir_;
  Limits limits_;
  itest::Process emu_, tgate_;
  uint16_t emu_port_ = 0, port_ = 0;
};

}  // namespace tgate::bench
