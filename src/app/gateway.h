// Gateway: everything `tgate serve` runs, wired together — the Store (SQLite
// after taking the database's InstanceLock: one tgate per file; or
// PostgreSQL, shared by several instances: store/open_store.h), per bot a
// BotRuntime (app/bot_runtime.h: its dispatcher, update processor and long
// poller while this instance owns it), the Router behind one HTTP listener for
// the site API and the webhook, the events sender and the Pruner (retention).
// On SQLite this instance owns everything. On PostgreSQL a LeaseKeeper
// (cluster/lease_keeper.h) decides what runs here: each bot, and the events
// sender and the pruner as the leases "~events" and "~pruner", run on one
// live instance at a time; a pg::Listener wakes them for what the other
// instances write (new queued work, updates, events, cancelled broadcasts).
// Every instance takes site API calls and webhooks. Stop() (SIGTERM) stops
// sending, writes the outcomes under way, then hands the leases over at once.
// Wiring only: behaviour lives in the folders it wires.
// Threading: everything runs on the one io_context given at construction
// (the io thread; all of tgate's threads: app/threads.h).
#pragma once

#include <memory>
#include <string>

#include "app/instance_lock.h"
#include "config/config.h"
#include "core/clock.h"
#include "http/asio.h"

namespace tgate::app {

class Gateway {
 public:
  // `config` must have passed config::ValidateForServe. `lock`: the
  // database's InstanceLock when the caller took it already (the sandbox
  // does, before it clears the old files); otherwise Start() takes it.
  Gateway(asio::io_context& io, config::Config config, const Clock& clock,
          std::unique_ptr<InstanceLock> lock = nullptr);
  ~Gateway();

  // Opens the store (asynchronous: a PostgreSQL store connects and migrates
  // first). Fails with a message saying what to fix (database unreadable,
  // server unreachable, credentials; never the password).
  Awaitable<Status> Open();
  // Once Open() succeeded: starts every component and listens. Fails with a
  // message saying what to fix (address in use, ...). Call it outside
  // io.run() (serve_command.cc), as before Open() existed.
  Status Start();
  // Graceful: stops accepting, finishes or returns in-flight sends, flushes.
  Awaitable<void> Stop();

  uint16_t port() const;
  const config::Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgate::app
