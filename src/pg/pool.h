// Pool: a small set of Connections to one database, handed out one user at a
// time. Get() gives an idle connection, opens a new one while fewer than
// `size` exist, or waits for one to come back. A PooledConnection returns its
// connection when it goes, unless the connection is broken() (then the pool
// drops it and opens a fresh one on demand), so a lost database heals by
// itself once it is back. Not a transaction (hold one PooledConnection from
// BEGIN to COMMIT) and not the listening connection (open that one apart).
// A Get() waits for a busy pool at most `max_wait` (5 s unless told): when
// every connection hangs on a database that went silent, callers are told
// Unavailable (an API call answers 503, the dispatcher retries) instead of
// queueing for as long as the kernel takes to give up on the sockets.
// Threading: one executor (the io thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/awaitable.h"
#include "core/result.h"
#include "pg/connection.h"

namespace tgate::pg {

class Pool;

class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(PooledConnection&&) noexcept;
  PooledConnection& operator=(PooledConnection&&) noexcept;
  ~PooledConnection();  // gives the connection back

  Connection* operator->() const { return connection_.get(); }
  Connection& operator*() const { return *connection_; }

  struct PoolState;

 private:
  friend class Pool;
  PooledConnection(std::shared_ptr<PoolState> pool, std::unique_ptr<Connection> connection);
  std::shared_ptr<PoolState> pool_;
  std::unique_ptr<Connection> connection_;
};

class Pool {
 public:
  static constexpr std::chrono::milliseconds kMaxWait{5000};

  Pool(asio::any_io_executor executor, std::string conninfo, size_t size,
       std::chrono::milliseconds max_wait = kMaxWait);
  ~Pool();  // connections handed out stay valid; they close when returned

  // An idle connection, a new one, or the next one given back. Unavailable
  // (with the reason) if a new connection cannot be opened, or none came
  // back within max_wait.
  Awaitable<Result<PooledConnection>> Get();

  size_t size() const;  // open connections, idle or handed out
  const std::string& conninfo() const;

 private:
  std::shared_ptr<PooledConnection::PoolState> state_;
};

}  // namespace tgate::pg
