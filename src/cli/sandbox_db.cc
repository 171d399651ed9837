#include "cli/sandbox_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tgate::cli {
namespace {

constexpr int32_t kSandboxApplicationId = 0x74677362;  // "tgsb"
constexpr char kSqliteMagic[] = "SQLite format 3";     // the header's first 16 bytes, NUL included
constexpr size_t kApplicationIdOffset = 68;            // big-endian, in the 100-byte header

}  // namespace

Status CheckSandboxDb(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Ok();
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size == 0) return Status::Ok();
  std::array<unsigned char, 100> header{};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  const bool sqlite = in.gcount() == static_cast<std::streamsize>(header.size()) &&
                      std::memcmp(header.data(), kSqliteMagic, sizeof(kSqliteMagic)) == 0;
  uint32_t id = 0;
  for (size_t i = 0; i < 4; ++i) id = (id << 8) | header[kApplicationIdOffset + i];
  if (sqlite && id == static_cast<uint32_t>(kSandboxApplicationId)) return Status::Ok();
  return Status::Conflict(
      "'" + path + "' exists and is not a sandbox's database" + (sqlite ? "" : " (not even a SQLite file)") +
      "; the sandbox starts afresh each time and would delete it, so nothing was changed. Give the sandbox "
      "another file (--db tgate-sandbox.db), or delete '" +
      path + "' yourself if you mean it");
}

Status CreateSandboxDb(const std::string& path) {
  // Private to tgate's user from the start, as the store requires (0600).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::Internal("cannot create the sandbox database '" + path + "': " + std::strerror(errno));
  }
  ::close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK) {
    const std::string sql = "PRAGMA application_id = " + std::to_string(kSandboxApplicationId) +
                            "; CREATE TABLE IF NOT EXISTS tgate_sandbox(x); DROP TABLE tgate_sandbox;";
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  std::string error = db ? sqlite3_errmsg(db) : "out of memory";
  sqlite3_close(db);
  if (rc != SQLITE_OK) return Status::Internal("cannot create the sandbox database '" + path + "': " + error);
  return Status::Ok();
}

}  // namespace tgate::cli
