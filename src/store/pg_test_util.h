// Test-only helpers for the PostgreSQL store tests: running a coroutine to
// its end on an io_context, and throwaway databases on the test server
// (TGATE_TEST_PG, a conninfo URL to a maintenance database where tests may
// CREATE DATABASE; scripts/pg-test-server.sh starts one). A migrated
// database is copied from a template migrated once per test binary, which is
// much faster than migrating each. Never included by production code.
#pragma once

#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/awaitable.h"
#include "core/result.h"
#include "pg/connection.h"
#include "store/pg_migrations.h"

namespace tgate::store::testing {

// Runs `aw` on `io` until it completes (other work on `io` runs meanwhile)
// and returns its value.
template <typename T>
T RunAwait(asio::io_context& io, Awaitable<T> aw) {
  std::optional<T> out;
  asio::co_spawn(io, std::move(aw), [&out](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(value));
  });
  while (!out) {
    io.restart();
    io.run_one();
  }
  return std::move(*out);
}

// The test server's maintenance URL, or "" when TGATE_TEST_PG is unset (the
// tests that need it then GTEST_SKIP).
inline std::string PgTestUrl() {
  const char* url = std::getenv("TGATE_TEST_PG");
  return url ? url : "";
}

// `url` (postgresql://...[/db][?params]) naming database `db` instead.
inline std::string WithDatabase(std::string_view url, std::string_view db) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t query = url.find('?', start);
  const size_t slash = url.find('/', start);
  const size_t host_end = std::min(slash, query);
  std::string out(url.substr(0, host_end == std::string_view::npos ? url.size() : host_end));
  out += "/";
  out += db;
  if (query != std::string_view::npos) out += url.substr(query);
  return out;
}

// Runs one statement on the maintenance database.
inline Status PgAdmin(const std::string& sql) {
  asio::io_context io;
  return RunAwait(io, [](asio::any_io_executor ex, std::string sql) -> Awaitable<Status> {
    auto conn = co_await pg::Connection::Connect(ex, PgTestUrl());
    if (!conn.ok()) co_return conn.status();
    auto rows = co_await (*conn)->Query(sql);
    co_return rows.status();
  }(io.get_executor(), sql));
}

// A database of its own for one test, dropped (with any connections left)
// when this goes. Migrated: a copy of the per-binary template.
class PgTestDatabase {
 public:
  static Result<std::unique_ptr<PgTestDatabase>> Create(bool migrated) {
    static std::atomic<int> counter{0};
    if (migrated) {
      static const Status kTemplate = MakeTemplate();
      if (!kTemplate.ok()) return kTemplate;
    }
    std::string name = "tgate_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    std::string sql = "CREATE DATABASE " + name;
    if (migrated) sql += " TEMPLATE " + TemplateName();
    Status s = PgAdmin(sql);
    if (!s.ok()) return s;
    return std::unique_ptr<PgTestDatabase>(new PgTestDatabase(std::move(name)));
  }
  ~PgTestDatabase() { (void)PgAdmin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }

  const std::string& url() const { return url_; }

 private:
  explicit PgTestDatabase(std::string name) : name_(std::move(name)), url_(WithDatabase(PgTestUrl(), name_)) {}

  static std::string TemplateName() { return "tgate_template_" + std::to_string(getpid()); }
  static Status MakeTemplate() {
    const std::string name = TemplateName();
    Status s = PgAdmin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    if (s.ok()) s = PgAdmin("CREATE DATABASE " + name);
    if (!s.ok()) return s;
    std::atexit([] { (void)PgAdmin("DROP DATABASE IF EXISTS " + TemplateName() + " WITH (FORCE)"); });
    asio::io_context io;
    return RunAwait(io, [](asio::any_io_executor ex, std::string url) -> Awaitable<Status> {
      auto conn = co_await pg::Connection::Connect(ex, url);
      if (!conn.ok()) co_return conn.status();
      co_return co_await MigratePg(**conn);
    }(io.get_executor(), WithDatabase(PgTestUrl(), name)));
  }

  std::string name_;
  std::string url_;
};

}  // namespace tgate::store::testing
