#include "app/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace tgate::app {
namespace {

bool InMemory(std::string_view path) {
  return path == ":memory:" || path.starts_with("file::memory:") ||
         path.find("mode=memory") != std::string_view::npos;
}

// What the holder wrote: its pid, or "" if it wrote nothing (yet).
std::string HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

Result<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(const std::string& db_path) {
  if (InMemory(db_path)) return std::unique_ptr<InstanceLock>(new InstanceLock(-1));
  const std::string path = db_path + ".lock";
  // 0600 like the database (db_files.h): only tgate's user has any business with it.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Unavailable("cannot create the lock file '" + path + "': " + std::strerror(errno) +
                               " (the database's directory must exist and be writable)");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder = err == EWOULDBLOCK ? HolderPid(fd) : "";
    close(fd);
    if (err != EWOULDBLOCK) {
      return Status::Unavailable("cannot lock '" + path + "': " + std::strerror(err));
    }
    return Status::Conflict("database '" + db_path + "' is in use by another tgate" +
                            (holder.empty() ? "" : " (pid " + holder + ")") +
                            ": two would send every message twice. Stop that one, or give this one its own "
                            "database (TGATE_DB or db in the config)");
  }
  // Whatever the umask, and for a file an older tgate made 0644. Best effort:
  // the file holds nothing but a pid.
  (void)fchmod(fd, 0600);
  const std::string pid = std::to_string(getpid()) + "\n";
  // Best effort: the pid is only for the message above.
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, pid.data(), pid.size(), 0);
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace tgate::app
