#include "pg/pool.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

namespace tgate::pg {

// Shared by the Pool, its Get() coroutines and the PooledConnections handed
// out, so each may outlive the others.
struct PooledConnection::PoolState {
  // One Get() waiting for a connection to come back. Return() hands it a
  // connection, or (when a broken one was dropped) the right to open one,
  // then cancels its timer to wake it.
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : wake(ex) {}
    asio::steady_timer wake;
    std::unique_ptr<Connection> connection;
    bool may_open = false;
  };

  PoolState(asio::any_io_executor ex, std::string info, size_t cap, std::chrono::milliseconds wait)
      : executor(std::move(ex)), conninfo(std::move(info)), capacity(cap), max_wait(wait) {}

  asio::any_io_executor executor;
  const std::string conninfo;
  const size_t capacity;
  const std::chrono::milliseconds max_wait;
  size_t open = 0;      // idle, handed out, or being opened
  bool closed = false;  // the Pool is gone
  std::deque<std::unique_ptr<Connection>> idle;
  std::deque<std::shared_ptr<Waiter>> waiters;  // FIFO

  // Gives the first waiter the right to open a connection in a free slot.
  void OfferSlot() {
    if (waiters.empty() || open >= capacity) return;
    std::shared_ptr<Waiter> w = std::move(waiters.front());
    waiters.pop_front();
    w->may_open = true;
    ++open;
    w->wake.cancel();
  }

  void Return(std::unique_ptr<Connection> c) {
    if (closed) return;  // c closes here
    // Not idle: given back inside a transaction (a coroutine destroyed
    // between BEGIN and COMMIT) or mid-statement. Reusing it would run the
    // next user's statements in that transaction; closing it rolls it back.
    if (c->broken() || !c->idle()) {
      --open;
      c.reset();
      OfferSlot();
      return;
    }
    if (!waiters.empty()) {
      std::shared_ptr<Waiter> w = std::move(waiters.front());
      waiters.pop_front();
      w->connection = std::move(c);
      w->wake.cancel();
      return;
    }
    idle.push_back(std::move(c));
  }
};

PooledConnection::PooledConnection(std::shared_ptr<PoolState> pool, std::unique_ptr<Connection> connection)
    : pool_(std::move(pool)), connection_(std::move(connection)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::move(other.pool_)), connection_(std::move(other.connection_)) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    if (pool_ && connection_) pool_->Return(std::move(connection_));
    pool_ = std::move(other.pool_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

PooledConnection::~PooledConnection() {
  if (pool_ && connection_) pool_->Return(std::move(connection_));
}

Pool::Pool(asio::any_io_executor executor, std::string conninfo, size_t size,
           std::chrono::milliseconds max_wait)
    : state_(std::make_shared<PooledConnection::PoolState>(std::move(executor), std::move(conninfo),
                                                           size == 0 ? 1 : size, max_wait)) {}

Pool::~Pool() {
  state_->closed = true;
  state_->idle.clear();
  for (auto& w : state_->waiters) w->wake.cancel();  // they wake with nothing
  state_->waiters.clear();
}

Awaitable<Result<PooledConnection>> Pool::Get() {
  std::shared_ptr<PooledConnection::PoolState> st = state_;  // the Pool may go while this waits
  if (st->closed) co_return Status::Unavailable("the PostgreSQL pool is closed");
  while (!st->idle.empty()) {
    std::unique_ptr<Connection> c = std::move(st->idle.front());
    st->idle.pop_front();
    if (!c->broken()) co_return PooledConnection(st, std::move(c));
    --st->open;  // lost while idle: drop it
  }
  if (st->open < st->capacity) {
    ++st->open;
  } else {
    auto w = std::make_shared<PooledConnection::PoolState::Waiter>(st->executor);
    w->wake.expires_after(st->max_wait);
    st->waiters.push_back(w);
    boost::system::error_code ec;
    co_await w->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    // Served (a connection, or a slot to open one) even if the timer had
    // fired meanwhile: Return() took the waiter off the queue.
    if (w->connection) co_return PooledConnection(st, std::move(w->connection));
    if (st->closed) co_return Status::Unavailable("the PostgreSQL pool is closed");
    if (!w->may_open) {
      std::erase(st->waiters, w);
      co_return Status::Unavailable("no PostgreSQL connection came free in " +
                                    std::to_string(st->max_wait.count()) + " ms (all " +
                                    std::to_string(st->capacity) + " busy); retry");
    }
  }
  // This coroutine holds a slot (counted in `open`): fill it.
  auto c = co_await Connection::Connect(st->executor, st->conninfo);
  if (st->closed) co_return Status::Unavailable("the PostgreSQL pool is closed");
  if (!c.ok()) {
    --st->open;
    st->OfferSlot();  // the next waiter tries too (and fails fast if the server is down)
    co_return Status::Unavailable(c.status().message());
  }
  co_return PooledConnection(st, std::move(c).value());
}

size_t Pool::size() const { return state_->open; }

const std::string& Pool::conninfo() const { return state_->conninfo; }

}  // namespace tgate::pg
