// Schema migrations: the versioned steps that build tgate's SQLite schema,
// and the runner that brings a database up to date. The version lives in
// PRAGMA user_version; step N moves a database from the version before to N, each in
// its own transaction, so a crash mid-way leaves a consistent older version.
// A database newer than the steps known here is refused (never downgraded).
// Not the data access layer (sqlite_store.h). Free functions; the connection
// must not be used by another thread meanwhile.
#pragma once

#include <sqlite3.h>

#include <vector>

#include "core/result.h"

namespace tgate::store {

struct Migration {
  int version;      // user_version after this step; increasing (numbers may be skipped)
  const char* sql;  // one or more statements
  // Then, in the same transaction, work SQL cannot do (e.g. hashing in C++).
  Status (*code)(sqlite3* db) = nullptr;
};

// tgate's schema steps, in order.
const std::vector<Migration>& SchemaMigrations();
// The version SchemaMigrations() ends at.
int LatestSchemaVersion();

Result<int> ReadSchemaVersion(sqlite3* db);

// Applies every step of `steps` above the database's version, in order.
// A database at a version above the last step -> error "database schema
// version N is newer than this tgate (M); upgrade tgate".
Status Migrate(sqlite3* db, const std::vector<Migration>& steps = SchemaMigrations());

}  // namespace tgate::store
