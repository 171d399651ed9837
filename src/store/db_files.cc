#include "store/db_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/status_macros.h"

namespace tgate::store {
namespace {

constexpr mode_t kPrivate = 0600;

// The path as a shell word, for the command in the error.
std::string ShellQuoted(const std::string& path) {
  bool plain = !path.empty();
  for (char c : path) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-+,:@%=", c))) plain = false;
  }
  if (plain) return path;
  std::string out = "'";
  for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Forbidden if `file` exists and group or others have any permission on it.
Status CheckPrivate(const std::string& file) {
  struct stat st;
  if (stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Unavailable("cannot stat '" + file + "': " + std::strerror(errno));
  }
  if ((st.st_mode & 077) == 0) return Status::Ok();
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return Status::Forbidden(
      "'" + file + "' has mode " + mode +
      ": other users could read it (the database holds link tokens' digests, message texts "
      "and chat ids). Make it private to tgate's user and start again: chmod 600 " +
      ShellQuoted(file));
}

}  // namespace

bool IsInMemoryPath(const std::string& path) {
  return path.empty() || path == ":memory:" || path.starts_with("file::memory:") ||
         path.find("mode=memory") != std::string::npos;
}

Status PrepareDbFiles(const std::string& path) {
  if (IsInMemoryPath(path)) return Status::Ok();
  for (const char* suffix : {"", "-wal", "-shm"}) TGATE_RETURN_IF_ERROR(CheckPrivate(path + suffix));
  // Made here, not by sqlite3_open (which would apply the umask to 0644).
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kPrivate);
  if (fd < 0) {
    if (errno == EEXIST) return CheckPrivate(path);  // made meanwhile (or a symlink): checked as it is
    return Status::Unavailable("cannot create '" + path + "': " + std::strerror(errno) +
                               " (the database's directory must exist and be writable)");
  }
  // A umask of 0077 already gives 0600; one that takes the owner's bits does not.
  Status s = fchmod(fd, kPrivate) == 0
                 ? Status::Ok()
                 : Status::Unavailable("cannot chmod '" + path + "': " + std::strerror(errno));
  close(fd);
  return s;
}

int64_t WalFileBytes(const std::string& path) {
  if (IsInMemoryPath(path)) return 0;
  struct stat st;
  if (stat((path + "-wal").c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_size);
}

}  // namespace tgate::store
