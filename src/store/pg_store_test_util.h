// Test-only helpers for the PostgreSQL store tests, on pg/pg_test_util.h's
// throwaway databases: a fresh database with tgate's schema, copied from a
// template migrated once per test binary (CREATE DATABASE ... TEMPLATE is
// much faster than migrating each), and RunUntilDone, which drives one
// coroutine to its end while other work (a pool's connections, a listener)
// may stay pending on the io_context. Never included by production code.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/awaitable.h"
#include "pg/connection.h"
#include "pg/pg_test_util.h"
#include "store/pg_migrations.h"

namespace tgate::store::testing {

// Starts `aw` on `io`; its value lands in *out when it completes.
template <typename T>
void SpawnInto(asio::io_context& io, Awaitable<T> aw, std::optional<T>* out) {
  asio::co_spawn(
      io,
      [](Awaitable<T> aw, std::optional<T>* out) -> Awaitable<void> { out->emplace(co_await std::move(aw)); }(
                                                     std::move(aw), out),
      asio::detached);
}

// Runs `io` until every one of `outs` is set.
template <typename T>
void RunUntilSet(asio::io_context& io, const std::vector<std::optional<T>>& outs) {
  auto all_set = [&] {
    for (const auto& o : outs)
      if (!o) return false;
    return true;
  };
  while (!all_set()) {
    io.restart();
    io.run_one();
  }
}

// Runs `aw` on `io` until it completes (other handlers run meanwhile, and
// may remain) and returns its value.
template <typename T>
T RunUntilDone(asio::io_context& io, Awaitable<T> aw) {
  std::vector<std::optional<T>> out(1);
  SpawnInto(io, std::move(aw), &out[0]);
  RunUntilSet(io, out);
  return std::move(*out[0]);
}

// A fresh database migrated to the latest schema; nullptr when there is no
// test server (skip) or it failed (the test has failed already).
inline std::unique_ptr<pg::TestDatabase> MigratedTestDatabase() {
  static const std::unique_ptr<pg::TestDatabase> kTemplate = [] {
    auto db = pg::TestDatabase::Create();
    if (!db) return db;
    asio::io_context io;
    Status s = RunUntilDone(io, [](asio::any_io_executor ex, std::string url) -> Awaitable<Status> {
      auto conn = co_await pg::Connection::Connect(ex, url);
      if (!conn.ok()) co_return conn.status();
      co_return co_await MigratePg(**conn);
    }(io.get_executor(), db->url()));
    if (!s.ok()) {
      ADD_FAILURE() << "cannot migrate the template database: " << s.ToString();
      return std::unique_ptr<pg::TestDatabase>();
    }
    return db;
  }();
  if (!kTemplate) return nullptr;
  return pg::TestDatabase::Create(kTemplate->name());
}

}  // namespace tgate::store::testing
