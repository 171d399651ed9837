// SyscallCount: the system calls a process makes over a stretch of a
// benchmark run, counted by `perf stat` on the kernel's syscall tracepoints
// (delivery_bench --syscalls). On these VMs each system call costs several
// µs of kernel time, so the calls per message say much of where the CPU
// goes, and their count moves little between runs where CPU time moves
// 15-40 %. strace is no substitute: it slows the process enough to change
// what it does (an answer is already there when it reads). Needs perf
// (Debian's linux-perf) and the right to read tracepoints (root); failures
// throw std::runtime_error. Not a profiler: counts, not call sites.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/process.h"

namespace tgate::bench {

class SyscallCount {
 public:
  // perf's output goes to <dir>/perf-stat.txt.
  explicit SyscallCount(std::string dir);

  // Throws, saying to run scripts/install-deps.sh, unless perf is there.
  static void RequireTools();

  // Counts the calls of `pid`'s threads from now on.
  void Start(pid_t pid);
  // Stops counting: every call at all ("all"), then each of the calls a
  // delivery makes, largest first.
  std::vector<std::pair<std::string, int64_t>> Stop();

 private:
  std::string dir_;
  itest::Process perf_;
};

}  // namespace tgate::bench
