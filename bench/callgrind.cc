#include "bench/callgrind.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "harness/process.h"

namespace tgate::bench {
namespace {

constexpr char kValgrind[] = "/usr/bin/valgrind";
constexpr char kCallgrindControl[] = "/usr/bin/callgrind_control";

}  // namespace

Callgrind::Callgrind(std::string dir) : dir_(std::move(dir)) {}

void Callgrind::RequireTools() {
  for (const char* tool : {kValgrind, kCallgrindControl}) {
    if (access(tool, X_OK) != 0)
      throw std::runtime_error(std::string(tool) +
                               " is missing: run scripts/install-deps.sh (Debian's valgrind)");
  }
}

// valgrind's gdbserver, through which callgrind_control talks to the
// process, makes its FIFOs under this prefix: in the work directory, they go
// with it. Under the default prefix (/tmp/vgdb-pipe-...) the three of each
// run outlived it: a process still running when its itest::Process goes is
// killed (SIGKILL), which leaves valgrind no time to remove them.
std::string Callgrind::VgdbPrefix() const { return "--vgdb-prefix=" + dir_ + "/vgdb"; }

std::vector<std::string> Callgrind::Wrapper() const {
  return {kValgrind, "--tool=callgrind", "--instr-atstart=no", VgdbPrefix(),
          "--callgrind-out-file=" + dir_ + "/callgrind.out"};
}

void Callgrind::On(pid_t pid) { Control("--instr=on", pid); }

int64_t Callgrind::OffAndCount(pid_t pid) {
  Control("--instr=off", pid);
  Control("--dump", pid);
  // The dump's "totals:" line: every instruction counted since counting went on.
  const std::string file = dir_ + "/callgrind.out." + std::to_string(++dumps_);
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("totals:", 0) == 0) return std::stoll(line.substr(7));
  }
  throw std::runtime_error("no totals in the callgrind dump " + file);
}

void Callgrind::Control(const std::string& option, pid_t pid) {
  itest::Process control;
  if (!control.Start({kCallgrindControl, VgdbPrefix(), option, std::to_string(pid)}, {},
                     dir_ + "/callgrind-control"))
    throw std::runtime_error("cannot start callgrind_control");
  if (control.Wait(std::chrono::seconds(60)) != 0)
    throw std::runtime_error("callgrind_control " + option + ": " + control.Stdout() + control.Stderr());
}

}  // namespace tgate::bench
