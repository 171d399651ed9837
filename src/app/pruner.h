// Pruner: the periodic task that keeps tgate's database from growing without
// bound. Each round deletes the expired link tokens and, unless the retention
// is 0 (keep forever), what is older than the retention: finished messages,
// then finished broadcasts (once their messages are gone), processed updates
// and events the site never took (dropped unsent: a warning when a site at
// events_url never took them).
// It goes in batches of at most `batch_rows` rows, each its own short
// transaction, pausing between batches: the site API and the dispatcher share
// the io thread and the store with it, so none waits long.
// Not the rule of what may go: the Store decides that (queued messages,
// running broadcasts and pending updates are never deleted; see retention_store.h).
// Threading: one coroutine on the io executor (app/threads.h). The store and
// the clock must outlive the Pruner. Destroying it stops its coroutines,
// Stop() called or not (core/lifetime.h): after either they touch nothing.
#pragma once

#include <chrono>
#include <memory>

#include "core/clock.h"
#include "core/lifetime.h"
#include "http/asio.h"
#include "store/retention_store.h"

namespace tgate::app {

struct PrunerOptions {
  // Finished messages and broadcasts, processed updates and undelivered
  // events older than this are deleted (config retention_days); 0: kept
  // forever.
  std::chrono::seconds retention = std::chrono::days(7);
  // From the end of one round to the start of the next (the first round runs
  // at Start).
  std::chrono::seconds interval = std::chrono::minutes(5);
  // Rows one batch (one transaction) may look at: about a millisecond of
  // the io thread each.
  size_t batch_rows = 1000;
  // Between two batches of a round, so the work queued meanwhile on the io
  // thread (API requests, outcome writes) runs first.
  std::chrono::milliseconds pause{10};
  // Whether a site takes the events (events_url is set). Without one nobody
  // ever will, and dropping old events is housekeeping (logged at info),
  // not a loss the operator must hear of (a warning).
  bool events_taken = true;
};

// What one round deleted.
struct PruneCounts {
  int64_t messages = 0;
  int64_t broadcasts = 0;
  int64_t updates = 0;
  int64_t events = 0;  // undelivered: dropped unsent
  int64_t link_tokens = 0;
};

class Pruner {
 public:
  Pruner(asio::any_io_executor executor, store::RetentionStore& store, const Clock& clock,
         PrunerOptions options);

  // Runs a round now, then one every interval, until Stop(). Logs at info
  // what each round deleted, when it deleted anything, and the events it
  // dropped (at warn when a site was to take them).
  void Start();
  // Ends the loop and any Round() under way (as destroying the Pruner does).
  void Stop();

  // One round, as Start runs them: takes the time once, then deletes batch
  // after batch until nothing older is left (or Stop()).
  Awaitable<Result<PruneCounts>> Round();

 private:
  Awaitable<void> Loop(Lifetime::Token life);
  Awaitable<Result<PruneCounts>> RoundUntilEnded(Lifetime::Token life);
  // One of the RetentionStore's Prune* methods that take a cutoff and a batch size.
  using PruneFn = Awaitable<Result<store::PruneResult>> (store::RetentionStore::*)(int64_t, size_t);
  // Calls `prune` until its pass is done, pausing between calls; adds what
  // it deleted to *deleted. Stops early (OK) when `life` ends.
  Awaitable<Status> Drain(Lifetime::Token life, PruneFn prune, int64_t before, int64_t* deleted);
  void LogRound(const PruneCounts& counts) const;

  asio::any_io_executor executor_;
  store::RetentionStore& store_;
  const Clock& clock_;
  PrunerOptions options_;
  Lifetime life_;
};

}  // namespace tgate::app
