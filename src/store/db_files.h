// DbFiles: the SQLite database's files on disk (the database, its -wal and
// -shm) kept private to tgate's user. They hold link tokens' digests, message
// texts and chat ids: they are created 0600 whatever the umask (SQLite gives
// the -wal and -shm the database file's mode), and a database that group or
// others may read or write is refused, with the chmod that fixes it. Also the
// WAL's size on disk, for /metrics.
// Not the connection (sqlite_store.h) and not the lock file (app/instance_lock.h).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace tgate::store {

// True for paths SQLite keeps in memory (no files).
bool IsInMemoryPath(const std::string& path);

// Forbidden, naming the file and `chmod 600 <file>`, if the database or its
// -wal/-shm exists with any group/other permission bit; otherwise creates the
// database file 0600 when it does not exist yet (an empty file is an empty
// SQLite database). Nothing for in-memory paths.
Status PrepareDbFiles(const std::string& path);

// The size in bytes of "<path>-wal" (0 when there is none).
int64_t WalFileBytes(const std::string& path);

}  // namespace tgate::store
