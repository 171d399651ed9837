// Gateway: everything `tgate serve` runs, wired together — the Store (SQLite
// after taking the database's InstanceLock: one tgate per file; PostgreSQL
// shared by several instances, see store/open_store.h), and per
// bot a Bot API client, a Dispatcher, an UpdateProcessor and (when the bot
// sets long_polling) a LongPoller; the Router behind one HTTP listener for the site API and
// the webhook; the events sender; the Pruner (retention). Owns them all and
// starts/stops them in order. Wiring only: behaviour lives in the folders it
// wires.
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
