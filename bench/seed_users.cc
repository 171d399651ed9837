#include "bench/seed_users.h"

#include <libpq-fe.h>

#include <boost/asio/io_context.hpp>
#include <string>

#include "core/await_test_util.h"
#include "core/status_macros.h"
#include "store/open_store.h"
#include "store/store.h"

namespace tgate::bench {

namespace {

// PostgreSQL: tgate's schema (OpenStore migrates), then the bindings in one
// statement (a million one-row round trips would measure the seeding).
Status SeedPostgres(const std::string& url, int n) {
  asio::io_context io;
  {
    auto s = tgate::testing::RunAwait(io, store::OpenStore(io.get_executor(), {url, "normal"}));
    if (!s.ok()) return s.status();
  }
  PGconn* conn = PQconnectdb(url.c_str());
  // The counting trigger updates one row per binding: off for the seed, the
  // count set once.
  std::string sql =
      "BEGIN; ALTER TABLE bindings DISABLE TRIGGER bindings_count; "
      "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) SELECT 'default', "
      "'u' || g, g, 0, 0 FROM generate_series(1, " +
      std::to_string(n) +
      ") g; "
      "INSERT INTO binding_counts (bot, active) VALUES ('default', " +
      std::to_string(n) +
      ") ON CONFLICT (bot) DO UPDATE SET active = binding_counts.active + EXCLUDED.active; "
      "ALTER TABLE bindings ENABLE TRIGGER bindings_count; COMMIT";
  PGresult* r = PQexec(conn, sql.c_str());
  Status st =
      PQresultStatus(r) == PGRES_COMMAND_OK ? Status::Ok() : Status::Internal(PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(conn);
  return st;
}

}  // namespace

bool IsPostgres(const std::string& db) { return db.rfind("postgres", 0) == 0; }

Status SeedLinkedUsers(const std::string& db, int n) {
  if (IsPostgres(db)) return SeedPostgres(db, n);
  TGATE_ASSIGN_OR_RETURN(auto s, store::Store::Open({db, "normal"}));
  // SQLite's calls never suspend: the transaction is run to its end here.
  asio::io_context io;
  return tgate::testing::RunAwait(io, s->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const store::Binding binding{"default", "u" + std::to_string(i), i, store::UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  }));
}

}  // namespace tgate::bench
