// SeedLinkedUsers: the linked users a benchmark sends to, written straight
// into a fresh database (a SQLite file or a PostgreSQL URL) before tgate
// starts on it: u1..un, with private chat ids 1..n, all active. Not the
// linking flow (no tokens, no /start): the benchmarks measure what comes
// after it.
#pragma once

#include <string>

#include "core/status.h"

namespace tgate::bench {

// Whether `db` names a PostgreSQL database (else a SQLite file).
bool IsPostgres(const std::string& db);

// Makes tgate's schema in `db` and links `n` users u1..un (chat ids 1..n).
Status SeedLinkedUsers(const std::string& db, int n);

}  // namespace tgate::bench
