// Callgrind: a process's user-space instructions, counted by valgrind's
// callgrind over a stretch of a benchmark run (the --instructions runs). CPU
// time per request moves 15-40 % between runs on these machines; this count
// moves 1-2 %, so a change can be judged against the build before it. The
// process is started under Wrapper() with counting off; On() turns counting
// on, OffAndCount() turns it off, dumps, and returns what was counted. Not a
// profiler: the dumps stay in the work directory for callgrind_annotate.
// Failures (valgrind missing, a control call refused) throw
// std::runtime_error.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tgate::bench {

class Callgrind {
 public:
  // Dumps go to <dir>/callgrind.out.1, .2, ...
  explicit Callgrind(std::string dir);

  // Throws, saying to run scripts/install-deps.sh, unless valgrind is there.
  static void RequireTools();

  // The command to start the counted process under (its argv goes after).
  std::vector<std::string> Wrapper() const;

  void On(pid_t pid);
  // Instructions counted since On().
  int64_t OffAndCount(pid_t pid);

 private:
  void Control(const std::string& option, pid_t pid);
  // valgrind's and callgrind_control's --vgdb-prefix: a path in the work directory.
  std::string VgdbPrefix() const;

  std::string dir_;
  int dumps_ = 0;
};

}  // namespace tgate::bench
