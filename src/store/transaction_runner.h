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
// What a backend must do: give `fn` a Store bound to one transaction; every
// call `fn` makes through it (any role) joins that transaction, and nothing
// else does until it ends. `fn` must make its calls through that Store, not
// through the object RunInTransaction was called on. The SQLite backend is
// confined to one thread and its calls never suspend, so it passes itself:
// its one connection's transaction is the transaction. The PostgreSQL backend
// pins one pooled connection for the whole of `fn` (BEGIN ... COMMIT) and
// passes a Store bound to it; other callers' calls use other connections.
#pragma once

#include <functional>

#include "core/awaitable.h"
#include "core/status.h"

namespace tgate::store {

class Store;

class TransactionRunner {
 public:
  virtual ~TransactionRunner() = default;

  // Runs `fn` in one transaction: commits if it returns OK, rolls back
  // otherwise. The calls `fn` makes through the Store it is given join the
  // transaction. Called again on the Store `fn` is given, it nests as a
  // savepoint: an inner `fn` that fails rolls back its own writes only, and
  // the outer transaction goes on (update_processor.cc: a chunk of updates in
  // one commit, each in a savepoint). Not on the object it was called on.
  virtual Awaitable<Status> RunInTransaction(const std::function<Awaitable<Status>(Store& tx)>& fn) = 0;
};

}  // namespace tgate::store
