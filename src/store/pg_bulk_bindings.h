// PgBulkBindings: the SQL of the PostgreSQL statements that look many users'
// bindings up at once: a run of site messages inserted (PgStore::InsertRun),
// a listed broadcast's users read and its targets inserted (CreateBroadcast),
// and, by chat id, a chunk of a broadcast to "all" (FillChunk). Kept here,
// not beside their callers, so that the plans PostgreSQL picks for them are
// tested (pg_bulk_bindings_test.cc).
//
// A lookup by user probes the primary key (bot, site_user) once per user,
// whatever the statistics: the (bot, user) pairs come from a MATERIALIZED
// CTE, so the planner sees no bot of its own to filter on, and the bindings
// found are fenced in another that names no status or chat id, which are
// checked outside it. Otherwise bindings_by_status (bot, status, chat_id)
// INCLUDE (site_user) matches too, and without statistics (a table filled in
// bulk, as by `tgate store copy`, before autovacuum's ANALYZE) the planner
// takes a bot's bindings for a few rows and reads every active one of them
// for each user: POST /v1/messages took 2,000 messages a second with 5,000
// linked users, each run of 60 messages 16-28 ms.
// Not the statements' parameters or results: their callers bind and read them.
#pragma once

#include <string>

namespace tgate::store::pg_bulk_bindings {

// InsertRun: $1..$8 the run's columns as arrays (bot, site_user, text,
// options_json, priority, idempotency_key, idempotency_fingerprint,
// expires_at_ms; '' and 0 for none), $9 the time in seconds. Answers (ord,
// id) for each message inserted, ord 1-based in the run: those whose user is
// linked, active, in a private chat, and whose idempotency key is free.
const std::string& InsertRunSql();

// The bindings of bot $1 of the users in $2 (a text[]), active or not:
// (site_user, status).
extern const char* const kListedBindings;

// A broadcast's targets, each spread over the window: $1 bot, $2 broadcast
// id, $3 paid, $4 created (ms), $5 spread (ms), $6 total, $7 now (s), $8
// targets filled before. kAllTargets: the active chats in ($9, $10].
// kListedTargets: the active bindings of the users in $9 (a text[]).
extern const char* const kAllTargets;
extern const char* const kListedTargets;

}  // namespace tgate::store::pg_bulk_bindings
