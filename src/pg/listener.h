// Listener: a dedicated connection that LISTENs on a few channels and hands
// each notification to a callback, reconnecting by itself when the
// connection is lost (the database restarted, pg_terminate_backend, a cut
// network): it waits `retry` between attempts, and once listening again it
// calls on_listening, since whatever was notified meanwhile is gone
// (PostgreSQL keeps no notification for a session that was not there).
// Not the sender of notifications (pg_notify in the store's transactions)
// and not a pool (pool.h). Threading and lifetime: one executor (the io
// thread); the callbacks run there. Destroying the Listener stops it
// (core/lifetime.h) and calls no callback after.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "core/clock.h"
#include "core/lifetime.h"
#include "pg/connection.h"

namespace tgate::pg {

class Listener {
 public:
  struct Callbacks {
    // A notification arrived on one of the channels.
    std::function<void(const Notification&)> on_notification;
    // Listening on every channel (at the start and after each reconnect):
    // check for what may have been missed.
    std::function<void()> on_listening;
  };

  // `channels`: identifiers (letters, digits, '_'). `clock` must outlive
  // the Listener.
  Listener(asio::any_io_executor executor, std::string conninfo, std::vector<std::string> channels,
           const Clock& clock, Callbacks callbacks,
           std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Starts listening. Once.
  void Start();
  // Whether the connection is listening now.
  bool listening() const { return listening_; }
  // How many times a connection was lost (or could not be made) since Start.
  uint64_t reconnects() const { return reconnects_; }
  // The listening connection's backend pid, 0 while not listening (tests).
  int backend_pid() const;

 private:
  Awaitable<void> Loop(Lifetime::Token life);

  asio::any_io_executor executor_;
  std::string conninfo_;
  std::vector<std::string> channels_;
  const Clock& clock_;
  Callbacks callbacks_;
  std::chrono::milliseconds retry_;
  std::unique_ptr<Connection> connection_;
  bool listening_ = false;
  uint64_t reconnects_ = 0;
  Lifetime life_;  // last: ended first
};

}  // namespace tgate::pg
