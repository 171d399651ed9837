// Process: a child process for integration tests (tgate, tgate-emulator),
// started with posix_spawn, its stdout and stderr captured to files so a test
// can wait for a line ("listening on ...") and scan every log afterwards.
// Killed (SIGKILL) on destruction if still running. Not a general-purpose
// process library.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tgate::itest {

class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts `argv[0]` with `argv` and the current environment plus `env`.
  // Output goes to <log_prefix>.out / .err.
  bool Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& log_prefix);

  // Waits until stdout or stderr contains `needle`; returns the rest of the
  // line after it (trimmed), or nullopt on timeout or exit.
  std::optional<std::string> WaitForText(const std::string& needle, std::chrono::milliseconds timeout);

  void Signal(int sig);
  // Waits for exit; returns the exit status (or 128+signal), -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_path_, err_path_;
};

// Reads a whole file ("" if missing).
std::string ReadAll(const std::string& path);

}  // namespace tgate::itest
