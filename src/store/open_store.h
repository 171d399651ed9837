// OpenStore: the one way tgate opens its Store, whichever backend the
// configured database names: a PostgreSQL URL (postgresql:// or
// postgres://) opens a PgStore (connecting, checking the credentials and
// migrating the schema first); anything else is a SQLite path
// (Store::Open). Not a connection pool or a migration runner: those are
// pg/pool.h and pg_migrations.h.
#pragma once

#include <memory>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/store.h"

namespace tgate::store {

// Errors say which database failed and why (unreachable, credentials, a
// schema newer than this tgate), and never show the password.
Awaitable<Result<std::unique_ptr<Store>>> OpenStore(asio::any_io_executor executor,
                                                    const StoreOptions& options);

}  // namespace tgate::store
