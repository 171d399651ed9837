// LeaseKeeper: this instance's part in bot ownership across the tgate
// instances that share one PostgreSQL database. Exactly one instance sends
// for a bot at a time, its owner, the holder of the bot's lease row:
//  - every beat (1 s) a pass: heartbeat the instance's row, renew every lease
//    held (one statement), then rebalance: each bot's desired owner is the
//    rendezvous hash (rendezvous.h) of the bot over the live instances; a bot
//    held here but desired elsewhere is released (on_lost FIRST, so sending
//    stops before anyone can take it), a bot desired here is acquired once it
//    is free or expired (epoch + 1, then on_acquired);
//  - a renewal that finds the lease taken loses the bot at once; renewals
//    that fail (the database unreachable, the connection killed) let the send
//    window close: MaySend turns false at (the last successful renewal's SEND
//    time) + lease - margin by the injected Clock (send_window.h), and a
//    watch fires on_lost then, even while a pass hangs on a dead socket. The
//    database's own lease outlasts that window, so the next owner starts only
//    after this one stopped. Once the database answers again, the pass
//    registers the instance again and acquires by the same rules.
//  - a join, a release or a drain NOTIFYs tgate_leases; every keeper LISTENs
//    on it (its own connection) and runs a pass at once, so a handover takes
//    a few round trips, not a beat.
// The gateway's part: start the bot on on_acquired and set the store's fence
// to (id(), epoch); stop it on on_lost (keep the fence: a late outcome write
// of the old epoch must fail); check MaySend before each send.
// Not the dispatcher's start/stop (the callbacks' owner does that), not the
// fence on outcome writes (the store calls tgate_fence(); an acquire skips a
// row a fenced batch holds, and takes it on a later pass).
//
// Threading and lifetime: one executor (the io thread). The callbacks run
// there, must not block and must not destroy the keeper. Destroying the
// keeper stops its coroutines (core/lifetime.h) and calls no callback; it
// does not hand the bots over: call Drain() for that (SIGTERM), or the
// leases expire after `lease`.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_metrics.h"
#include "cluster/lease_options.h"
#include "cluster/lease_table.h"
#include "cluster/send_window.h"
#include "core/awaitable.h"
#include "core/clock.h"
#include "core/lifetime.h"
#include "core/result.h"
#include "pg/connection.h"
#include "pg/pool.h"

namespace tgate::cluster {

class LeaseKeeper {
 public:
  struct Callbacks {
    // This instance now owns `bot` at `epoch` (higher than any owner's
    // before): start its dispatcher and long poller, fenced by `epoch`.
    std::function<void(const std::string& bot, int64_t epoch)> on_acquired;
    // This instance stops owning `bot`, or may no longer send for it: stop
    // sending at once. Runs before the lease is released.
    std::function<void(const std::string& bot)> on_lost;
  };

  // The keeper opens connections of its own to `conninfo` (a small pool and
  // the listener, with liveness_conninfo.h's settings): the store's pool may
  // be busy with long batches, and a renewal must not queue behind them.
  // InvalidArgument for bad options (lease_options.h) or an unparsable
  // `conninfo`. `clock` and `metrics` (may be null) must outlive the keeper.
  static Result<std::unique_ptr<LeaseKeeper>> Create(asio::any_io_executor executor,
                                                     std::string_view conninfo, const Clock& clock,
                                                     Metrics* metrics, LeaseOptions options,
                                                     Callbacks callbacks);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Starts the passes, the send-window watch and the listener. Once.
  void Start();
  // The SIGTERM handover: on_lost for every bot held (sending stops first),
  // waits for a pass under way (at most a lease), marks the instance
  // draining, then releases every lease, deletes its row and notifies, in
  // one transaction. The keeper is finished afterwards. An error means the
  // database did not take the release: the leases then expire on their own.
  // Bound it with a timeout of your own if the database may hang.
  Awaitable<Status> Drain();

  // Whether this instance may send for `bot` now: it holds the lease and the
  // send window of its last successful renewal is open.
  bool MaySend(std::string_view bot) const;
  // The epoch of a lease held here; nullopt for a bot not held.
  std::optional<int64_t> Epoch(std::string_view bot) const;
  // The bots held here, sorted.
  std::vector<std::string> owned() const;
  const std::string& id() const { return options_.instance_id; }
  const LeaseOptions& options() const { return options_; }
  // Ask for a pass now (as a tgate_leases notification does).
  void Wake();

 private:
  struct Held {
    int64_t epoch;
    SendWindow window;
  };

  LeaseKeeper(asio::any_io_executor executor, std::string conninfo, const Clock& clock, Metrics* metrics,
              LeaseOptions options, Callbacks callbacks);

  Awaitable<void> Loop(Lifetime::Token life);
  // One pass; stops early (OK) once the keeper ended or drains.
  Awaitable<Status> Pass(Lifetime::Token life);
  Awaitable<void> Watch(Lifetime::Token life);
  Awaitable<void> Listen(Lifetime::Token life);

  // Applies what a beat renewed of `sent_leases`, sent at `sent`.
  void ApplyRenewals(const std::vector<Lease>& sent_leases, const std::vector<Lease>& renewed,
                     SteadyTime sent);
  void Take(const Lease& lease, SteadyTime sent);
  // Forgets `bot` (on_lost first); it may still be ours in the table.
  void Lose(const std::string& bot, std::string_view why);
  // Loses the bots whose send window closed.
  void ExpireWindows();
  std::vector<Lease> HeldLeases() const;

  asio::any_io_executor executor_;
  pg::Pool pool_;
  const Clock& clock_;
  ClusterMetrics metrics_;
  const LeaseOptions options_;
  Callbacks callbacks_;
  LeaseTable table_;

  std::map<std::string, Held, std::less<>> held_;
  // Bots this instance may hold in the table without knowing it (an acquire
  // whose answer was lost, a window closed on a lease the database still
  // gives us): released when desired elsewhere.
  std::set<std::string> unsure_;
  std::unique_ptr<Timer> beat_timer_;
  std::unique_ptr<Timer> watch_timer_;
  std::unique_ptr<pg::Connection> listener_;  // LISTEN tgate_leases
  bool started_ = false;
  bool pass_wanted_ = false;
  bool in_pass_ = false;
  bool draining_ = false;
  bool last_pass_ok_ = true;
  Lifetime life_;  // last: ended first, before the members above go
};

}  // namespace tgate::cluster
