// CopyStore: moves a stopped tgate's SQLite database into an empty
// PostgreSQL database (`tgate store copy`, issue 13), so a site that began on
// SQLite grows onto several instances without losing anything: every row of
// every table both schemas share, ids kept (a site's stored message ids stay
// valid) and each identity moved past the largest id SQLite ever gave.
//
// The source is opened read-only and read in one read transaction (one
// consistent snapshot); its schema must be exactly this binary's (older or
// newer: refused, saying which tgate to run). The target's schema is
// migrated first (pg_migrations.h), then every row is written in ONE
// transaction that first locks the store's tables and checks they are empty:
// a failure anywhere rolls it all back and leaves the target empty, ready to
// retry into. Rows go in batches (CopyOptions::batch_rows a statement, as
// unnest() over array parameters) sent several at a time in one pipeline.
//
// Not the instance lock: the caller makes sure no tgate runs on the source
// (cli/store_command.cc holds app/instance_lock.h's lock meanwhile). Not a
// sync: it copies once, into an empty target. Errors never show the
// target's password. Threading: one executor; the SQLite reads block it
// (a command-line tool, never the gateway's io thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"

namespace tgate::store {

struct CopiedTable {
  std::string table;
  int64_t rows = 0;
};

struct CopyOptions {
  std::string from;  // SQLite file path
  std::string to;    // PostgreSQL URL (postgresql://... or postgres://...)
  // Rows per INSERT statement, and statements per pipeline round trip.
  size_t batch_rows = 1000;
  size_t batches_per_round_trip = 8;
  // Fewer when the rows' text is long (messages of 4096 characters, big
  // updates): a statement closes past max_batch_bytes of text, a round trip
  // past max_trip_bytes, so memory stays bounded whatever the rows hold.
  size_t max_batch_bytes = size_t{4} << 20;
  size_t max_trip_bytes = size_t{16} << 20;
  // Called as each table is done (not yet committed), for progress output.
  std::function<void(const CopiedTable&)> on_table;
};

struct CopyReport {
  std::vector<CopiedTable> tables;  // in the order copied
  // Where each identity's next value starts (max id SQLite ever gave + 1).
  int64_t next_message_id = 1;
  int64_t next_broadcast_id = 1;
  int64_t next_event_id = 1;
};

// Errors: InvalidArgument (--to not a PostgreSQL URL), NotFound (no source
// file), Conflict
// (source not a tgate database, or its schema version not this binary's;
// target not empty), the target's connection error (Unavailable,
// Unauthenticated, NotFound; redacted), or the first failed statement's
// error (the target then holds no row).
Awaitable<Result<CopyReport>> CopyStore(asio::any_io_executor executor, const CopyOptions& options);

}  // namespace tgate::store
