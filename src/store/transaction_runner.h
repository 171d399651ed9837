// TransactionRunner: the store's one way to compose calls of the roles into a
// single transaction. It is not how a unit of work the store knows by name
// is made atomic: such a unit is a role method (QueueStore::WriteOutcomes,
// LinkStore::Unlink), which a backend implements as one transaction itself.
//
// Why it remains: processing one received update (webhook/update_processor.cc)
// runs tgate's own logic between its writes (redeeming a link token, choosing
// a reply, building events) and must commit all of it with the update marked
// processed, or none of it. That logic is not the store's, so it cannot
// become one store method without moving it into every backend.
//
// What a backend must do: give `fn` a transaction that every call `fn` makes
// (through any role of this same object) joins, and nothing else does until
// it ends. The SQLite backend is confined to one thread, so its one
// connection's transaction is that transaction. A backend whose calls
// complete asynchronously on a connection pool must pin one connection for
// the whole of `fn` and route `fn`'s calls to it, and keep other callers'
// calls off it meanwhile; with blocking calls, as the interface is today,
// that means `fn` holds the io thread for its duration.
#pragma once

#include <functional>

#include "core/status.h"

namespace tgate::store {

class TransactionRunner {
 public:
  virtual ~TransactionRunner() = default;

  // Runs `fn` in one transaction: commits if it returns OK, rolls back
  // otherwise. Calls made inside join the transaction. Not re-entrant across
  // threads.
  virtual Status RunInTransaction(const std::function<Status()>& fn) = 0;
};

}  // namespace tgate::store
