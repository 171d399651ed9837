// PostgreSQL schema migrations: the versioned steps that build tgate's
// schema on PostgreSQL, and the runner that brings a database up to date.
// The version lives in the one-row table schema_version. The runner applies
// every missing step in ONE transaction under a transaction-scoped advisory
// lock (kMigrationLockKey), so several instances starting at once serialize:
// the first migrates, the others wait, then find nothing left to do. A
// database newer than the steps known here is refused (never downgraded).
// Not the data access layer (pg_store.h) and not SQLite's (migrations.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "pg/connection.h"

namespace tgate::store {

// pg_advisory_xact_lock key held while migrating ("tgate" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x7467617465;

struct PgMigration {
  int version;      // schema_version after this step; increasing
  const char* sql;  // one or more statements, no parameters
};

// tgate's PostgreSQL schema steps, in order.
const std::vector<PgMigration>& PgSchemaMigrations();
// The version PgSchemaMigrations() ends at.
int PgLatestSchemaVersion();

// The database's schema version: 0 when it has no schema_version table yet.
Awaitable<Result<int>> ReadPgSchemaVersion(pg::Connection& conn);

// Applies every step of `steps` above the database's version, in order, in
// one transaction on `conn` (which must not be inside a transaction). A
// database at a version above the last step -> Conflict "database schema
// version N is newer than this tgate knows (M): run a newer tgate", and
// nothing is changed.
Awaitable<Status> MigratePg(pg::Connection& conn,
                            const std::vector<PgMigration>& steps = PgSchemaMigrations());

}  // namespace tgate::store
