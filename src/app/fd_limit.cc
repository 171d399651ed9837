#include "app/fd_limit.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>

namespace tgate::app {
namespace {

constexpr uint64_t kDefaultMaxConnections = 10000;
constexpr uint64_t kMinConnections = 16;

uint64_t AsLimit(rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(v); }

// The most a process may open (fs.nr_open); 1,048,576 if it cannot be read.
rlim_t KernelMax() {
  std::ifstream in("/proc/sys/fs/nr_open");
  uint64_t v = 0;
  if (in >> v && v > 0) return static_cast<rlim_t>(v);
  return 1 << 20;
}

}  // namespace

FdLimits RaiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    spdlog::warn("cannot read the open-file limit (RLIMIT_NOFILE); keeping it");
    return {};
  }
  const rlim_t before = rl.rlim_cur;
  rlim_t target = rl.rlim_max == RLIM_INFINITY ? KernelMax() : rl.rlim_max;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < target) {
    rlimit raised = rl;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      rl = raised;
    } else {
      spdlog::warn("cannot raise the open-file limit from {} to {}; keeping {}", before, target, before);
    }
  }
  FdLimits out{AsLimit(rl.rlim_cur), AsLimit(rl.rlim_max)};
  spdlog::info("open-file limit: {} (was {}; hard limit {})", out.soft, AsLimit(before),
               out.hard == UINT64_MAX ? std::string("unlimited") : std::to_string(out.hard));
  return out;
}

uint64_t FdReserve(uint64_t bots_in_flight_total, uint64_t bots) {
  return 64 + 4 + bots_in_flight_total + 4 * bots;
}

uint64_t ConnectionCap(uint64_t configured, uint64_t soft_limit, uint64_t reserve, bool* clamped) {
  const uint64_t wanted = configured != 0 ? configured : kDefaultMaxConnections;
  const uint64_t room = soft_limit > reserve + kMinConnections ? soft_limit - reserve : kMinConnections;
  if (clamped) *clamped = wanted > room;
  return std::min(wanted, room);
}

}  // namespace tgate::app
