// Store: the storage of tgate — everything that must survive a kill -9 —
// as the role interfaces its callers use (link_store.h, queue_store.h,
// broadcast_store.h, inbox_store.h, outbox_store.h, retention_store.h,
// transaction_runner.h), which one backend implements together.
// Backends: SQLite (sqlite_store.h, embedded, the default) and PostgreSQL
// (several instances on one database). Every method is one unit of work
// that commits before returning OK (durable, per the synchronous setting)
// and keeps no state between calls that another call depends on; the only
// composition of several calls in one transaction is
// TransactionRunner::RunInTransaction (see there why, and what a backend
// must do for it). Every method is awaitable (Awaitable<Status> or
// Awaitable<Result<T>>): the caller co_awaits it at once, so its reference
// and string_view arguments outlive the call. SQLite's calls never suspend
// (they complete inline, on the caller's thread); PostgreSQL's suspend on
// their socket, and other coroutines run meanwhile, so a caller must not
// assume a store call completes before anything else happens, and a
// long-lived coroutine checks its Lifetime after each one (core/lifetime.h).
// A Store is used from one thread (the io_context thread): the SQLite backend
// is confined to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/broadcast_store.h"
#include "store/inbox_store.h"
#include "store/link_store.h"
#include "store/outbox_store.h"
#include "store/queue_store.h"
#include "store/retention_store.h"
#include "store/transaction_runner.h"
#include "store/types.h"

namespace tgate::store {

struct StoreOptions {
  // SQLite file path, ":memory:" for tests, or a PostgreSQL URL
  // (postgresql://user:password@host:port/db?...; see open_store.h).
  std::string path = "tgate.db";
  // "normal": survives a process crash (kill -9); "full": also a power loss.
  std::string synchronous = "normal";
  // Stamps the time columns the store writes itself (messages.created_at and
  // updated_at, updates.received_at, ...), which retention decides on. Must
  // outlive the store. nullptr: the system clock.
  const Clock* clock = nullptr;
  // A file database's WAL is emptied by the background checkpointer once a
  // commit leaves more than this in it, and by the writer itself past twice
  // this (see wal_limit.h). 16 MiB: twice that is half the 64 MiB the WAL is
  // promised to stay under, leaving room for the commits made while a
  // checkpoint waits. 0: no limit (passive checkpoints only).
  int64_t wal_limit_bytes = int64_t{16} << 20;
  // PostgreSQL only: connections in the store's pool (each unit of work and
  // each RunInTransaction holds one while it runs).
  size_t pool_size = 4;
};

// The aggregate of every role: what a backend implements and what Open
// returns. Its owner (app/gateway.cc) hands each component only the roles it
// needs, so a component's constructor says what it may touch.
class Store : public LinkStore,
              public QueueStore,
              public BroadcastStore,
              public InboxStore,
              public OutboxStore,
              public RetentionStore,
              public TransactionRunner {
 public:
  ~Store() override = default;

  // A write that changes nothing, committed: OK if the database takes
  // writes now (for GET /readyz). It takes the write lock and writes to the
  // log, so a read-only or full disk, a lost or read-only (standby)
  // PostgreSQL, or a lock held by another writer shows up as an error.
  virtual Awaitable<Status> ProbeWrite() = 0;

  // Opens (creating if missing) and migrates the schema to the latest version.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
};

}  // namespace tgate::store
