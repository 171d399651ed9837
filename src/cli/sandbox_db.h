// SandboxDb: tells a sandbox's database file from any other, so that
// `tgate sandbox --db FILE`, which starts afresh each time, deletes only a
// database a sandbox made. The mark is SQLite's application_id in the file
// header (set when the sandbox creates the file; migrations leave it alone).
// Not a lock (app/instance_lock.h) and not the store.
#pragma once

#include <string>

#include "core/status.h"

namespace tgate::cli {

// Ok when `path` may be deleted for a fresh sandbox: it does not exist, is
// empty, or is a database a sandbox made. Otherwise Conflict
// saying how to proceed; nothing is changed.
Status CheckSandboxDb(const std::string& path);

// Creates `path` as an empty SQLite database marked as a sandbox's. The file
// must not exist (CheckSandboxDb, then delete it).
Status CreateSandboxDb(const std::string& path);

}  // namespace tgate::cli
