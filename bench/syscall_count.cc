#include "bench/syscall_count.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tgate::bench {
namespace {

constexpr char kPerf[] = "/usr/bin/perf";
// Every call (raw_syscalls) and those a delivery makes: its sockets, its
// reactor and timers, SQLite's locks and writes, the checkpointer's sync.
constexpr const char* kCalls[] = {"sendmsg", "recvfrom", "epoll_wait", "epoll_ctl", "timerfd_settime",
                                  "fcntl",   "pwrite64", "pread64",    "fdatasync", "futex",
                                  "sendto",  "read",     "write",      "writev",    "accept4"};

}  // namespace

SyscallCount::SyscallCount(std::string dir) : dir_(std::move(dir)) {}

void SyscallCount::RequireTools() {
  if (access(kPerf, X_OK) != 0)
    throw std::runtime_error(std::string(kPerf) +
                             " is missing: run scripts/install-deps.sh (Debian's linux-perf)");
}

void SyscallCount::Start(pid_t pid) {
  std::vector<std::string> argv{
      kPerf, "stat", "-x,", "-o", dir_ + "/perf-stat.txt", "-e", "raw_syscalls:sys_enter"};
  for (const char* call : kCalls) {
    argv.push_back("-e");
    argv.push_back(std::string("syscalls:sys_enter_") + call);
  }
  argv.push_back("-p");
  argv.push_back(std::to_string(pid));
  if (!perf_.Start(argv, {}, dir_ + "/perf")) throw std::runtime_error("cannot start perf");
  // perf says nothing when it is attached; give it a moment to be.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (!perf_.running()) throw std::runtime_error("perf stat stopped at once: " + perf_.Stderr());
}

std::vector<std::pair<std::string, int64_t>> SyscallCount::Stop() {
  perf_.Signal(SIGINT);
  if (perf_.Wait(std::chrono::seconds(30)) < 0) throw std::runtime_error("perf stat did not stop");
  // CSV lines: count,unit,event,... ("<not counted>" or "<not supported>" in
  // place of a count when the event could not be read).
  std::ifstream in(dir_ + "/perf-stat.txt");
  std::vector<std::pair<std::string, int64_t>> out;
  int64_t all = -1;
  for (std::string line; std::getline(in, line);) {
    std::stringstream fields(line);
    std::string count, unit, event;
    if (!std::getline(fields, count, ',') || !std::getline(fields, unit, ',') ||
        !std::getline(fields, event, ','))
      continue;
    if (count.empty() || !std::all_of(count.begin(), count.end(), ::isdigit)) continue;
    if (event == "raw_syscalls:sys_enter") {
      all = std::stoll(count);
    } else if (event.rfind("syscalls:sys_enter_", 0) == 0) {
      out.emplace_back(event.substr(19), std::stoll(count));
    }
  }
  if (all < 0) throw std::runtime_error("perf stat counted nothing: " + perf_.Stderr());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  out.insert(out.begin(), {"all", all});
  return out;
}

}  // namespace tgate::bench
