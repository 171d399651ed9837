// Test-only: the two tables of bot ownership and the fence function, exactly
// as the store's PostgreSQL migration creates them (helper C's schema; one
// copy here until the cluster tests run on the migrated schema), applied to a
// test database with libpq's blocking calls on the test's thread.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace tgate::cluster::lease_test {

inline constexpr char kLeaseSchema[] = R"sql(
CREATE TABLE instances (id text PRIMARY KEY, listen text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(), heartbeat_at timestamptz NOT NULL DEFAULT now(),
  draining boolean NOT NULL DEFAULT false);
CREATE TABLE bot_leases (bot text PRIMARY KEY, owner text, epoch bigint NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL DEFAULT now());
-- Called by the store's outcome writes: holds the lease row FOR SHARE until the
-- writing transaction ends (a takeover's UPDATE waits for it), and raises
-- TG001 unless the writer still owns the bot at its epoch.
CREATE FUNCTION tgate_fence(p_bot text, p_owner text, p_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM bot_leases WHERE bot = p_bot AND owner = p_owner AND epoch = p_epoch FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'bot % is not owned by % at epoch %', p_bot, p_owner, p_epoch USING ERRCODE = 'TG001';
  END IF;
END $$;
)sql";

// Runs `sql` (one or more statements) on `conninfo`; "" on success, else the
// server's error.
inline std::string ExecSql(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

}  // namespace tgate::cluster::lease_test
