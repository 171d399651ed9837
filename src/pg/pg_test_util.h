// Test helpers for code that talks to PostgreSQL (test-only; never included by
// production code). The test command starts a throwaway server
// (scripts/pg-test-server.sh) and exports its URL as TGATE_TEST_PG; tests that
// need PostgreSQL skip when it is unset:
//
//   auto db = pg::TestDatabase::Create();
//   if (!db) GTEST_SKIP() << pg::kNoTestServer;
//   ... db->url() ...   // a fresh, empty database, dropped at the end
//
// RunAwait drives a coroutine to completion on an io_context, for test bodies.
// TestDatabase uses libpq's blocking calls: it runs on the test's thread,
// never on an io thread.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/awaitable.h"

namespace tgate::pg {

inline constexpr const char* kNoTestServer =
    "TGATE_TEST_PG is unset: `scripts/pg-test-server.sh start /tmp/pg && "
    "export TGATE_TEST_PG=$(cat /tmp/pg/url)` (scripts/test.sh does it)";

// The maintenance database's URL from TGATE_TEST_PG, or "" when unset.
inline std::string PgTestUrl() {
  const char* url = std::getenv("TGATE_TEST_PG");
  return url != nullptr ? url : "";
}

// `conninfo` (a URL or key=value pairs) naming database `db` instead.
inline std::string WithDatabase(std::string_view conninfo, std::string_view db) {
  size_t scheme = conninfo.find("://");
  if (scheme == std::string_view::npos) return std::string(conninfo) + " dbname=" + std::string(db);
  size_t path = conninfo.find_first_of("/?", scheme + 3);
  if (path == std::string_view::npos) return std::string(conninfo) + "/" + std::string(db);
  size_t query = conninfo.find('?', path);
  std::string out(conninfo.substr(0, path));
  out.append("/").append(db);
  if (query != std::string_view::npos) out.append(conninfo.substr(query));
  return out;
}

namespace test_internal {
// Runs `sql` on the maintenance database; "" on success, else the error.
inline std::string ExecOnMaintenance(const std::string& sql) {
  PGconn* conn = PQconnectdb(PgTestUrl().c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

template <typename T>
Awaitable<void> StoreResult(Awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}
}  // namespace test_internal

// Runs `sql` (one or more statements, no parameters) on `conninfo` with
// libpq's blocking calls; "" on success, else the server's error.
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

// A fresh database on the test server (optionally a copy of `template_name`),
// dropped (WITH (FORCE): connections left open do not stop it) when this goes.
class TestDatabase {
 public:
  // nullptr when TGATE_TEST_PG is unset (skip the test), or when the server
  // refused (then the test has failed already, with the server's reason).
  static std::unique_ptr<TestDatabase> Create(std::string_view template_name = {}) {
    std::string base = PgTestUrl();
    if (base.empty()) return nullptr;
    static std::atomic<int> counter{0};
    std::random_device random;
    std::string name = "tgate_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                       std::to_string(random() % 1000000);
    std::string sql = "CREATE DATABASE \"" + name + "\"";
    if (!template_name.empty()) sql += " TEMPLATE \"" + std::string(template_name) + "\"";
    std::string error = test_internal::ExecOnMaintenance(sql);
    if (!error.empty()) {
      ADD_FAILURE() << "cannot create test database " << name << ": " << error;
      return nullptr;
    }
    return std::unique_ptr<TestDatabase>(new TestDatabase(name, WithDatabase(base, name)));
  }

  ~TestDatabase() {
    std::string error =
        test_internal::ExecOnMaintenance("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    if (!error.empty()) ADD_FAILURE() << "cannot drop test database " << name_ << ": " << error;
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // A conninfo URL to this database (as the superuser postgres).
  const std::string& url() const { return url_; }

 private:
  TestDatabase(std::string name, std::string url) : name_(std::move(name)), url_(std::move(url)) {}
  std::string name_;
  std::string url_;
};

// Runs `io` until `task` is done (other work on `io` runs meanwhile and may
// stay pending: a listener's wait does not keep this from returning); returns
// the task's value.
template <typename T>
T RunAwait(asio::io_context& io, Awaitable<T> task) {
  std::optional<T> out;
  asio::co_spawn(io, test_internal::StoreResult(std::move(task), &out), asio::detached);
  io.restart();
  while (!out && io.run_one() > 0) {
  }
  if (!out) {
    ADD_FAILURE() << "RunAwait: the coroutine did not finish";
    std::abort();
  }
  return std::move(*out);
}

}  // namespace tgate::pg
