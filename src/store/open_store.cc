#include "store/open_store.h"

#include <string>
#include <utility>

#include "pg/connection.h"
#include "store/pg_migrations.h"
#include "store/pg_store.h"

namespace tgate::store {

Awaitable<Result<std::unique_ptr<Store>>> OpenStore(asio::any_io_executor executor,
                                                    const StoreOptions& options) {
  if (!pg::IsPostgresUrl(options.path)) co_return Store::Open(options);
  const std::string where = pg::Redact(options.path);
  // One connection first: a wrong password or an unreachable server is
  // reported here, once, instead of by the pool on first use; the schema is
  // migrated on it (serialized with other instances starting at once).
  auto conn = co_await pg::Connection::Connect(executor, options.path);
  if (!conn.ok()) {
    co_return Status(conn.status().code(),
                     "cannot open the PostgreSQL store " + where + ": " + conn.status().message());
  }
  Status migrated = co_await MigratePg(**conn);
  if (!migrated.ok()) {
    co_return Status(migrated.code(),
                     "cannot open the PostgreSQL store " + where + ": " + migrated.message());
  }
  conn->reset();
  co_return std::unique_ptr<Store>(std::make_unique<PgStore>(std::move(executor), options.path, options));
}

}  // namespace tgate::store
