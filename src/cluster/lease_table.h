// LeaseTable: the SQL of bot ownership for one instance, on the tables
// `instances` (one row per live process, heartbeat_at on the database's
// clock) and `bot_leases` (one row per bot: owner, epoch, expires_at). Each
// method is one round trip (statements pipelined in one implicit
// transaction). Rows are locked in bot order (a FOR NO KEY UPDATE sub-select
// sorted by bot), so two instances touching the same bots never deadlock.
// Not the policy (who should own what, when to renew: lease_keeper.h) and not
// the fence on outcome writes (tgate_fence(), the store's schema).
// Threading: the pool's executor (the io thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/lease_options.h"
#include "core/awaitable.h"
#include "core/result.h"
#include "pg/pool.h"

namespace tgate::cluster {

// The channel an instance notifies when bots become free (a release, a
// drain); the others LISTEN on it and run a pass at once.
inline constexpr char kLeasesChannel[] = "tgate_leases";

struct Lease {
  std::string bot;
  int64_t epoch = 0;
  bool operator==(const Lease&) const = default;
};

// What one beat learned.
struct BeatResult {
  std::vector<std::string> live;  // live instance ids (this one included), sorted
  std::vector<Lease> renewed;     // the leases given that are still ours, now renewed
};

class LeaseTable {
 public:
  // `pool` and `options` must outlive the table.
  LeaseTable(pg::Pool& pool, const LeaseOptions& options) : pool_(pool), options_(options) {}

  // Heartbeat (registers the instance again if its row is gone, and then
  // notifies tgate_leases: the others rebalance at once), forgets
  // instances silent for forget_after, reads the live instances and renews
  // `owned`: a lease comes back renewed only if this instance still holds it
  // at that epoch.
  Awaitable<Result<BeatResult>> Beat(const std::vector<Lease>& owned);
  // Takes each of `bots` that is free, expired or already this instance's
  // (creating missing rows), with epoch + 1; a row another transaction holds
  // locked (an outcome batch under tgate_fence) is skipped, for the next
  // pass. Returns those taken.
  Awaitable<Result<std::vector<Lease>>> Acquire(const std::vector<std::string>& bots);
  // Frees those of `bots` this instance holds (owner NULL, expired now) and
  // notifies tgate_leases if any was. Returns the bots freed.
  Awaitable<Result<std::vector<std::string>>> Release(const std::vector<std::string>& bots);
  // Marks the instance draining: no longer live for anyone's rebalance.
  Awaitable<Status> MarkDraining();
  // Frees every lease of this instance, deletes its row and notifies
  // tgate_leases, in one transaction. Returns the bots freed.
  Awaitable<Result<std::vector<std::string>>> Leave();

 private:
  pg::Pool& pool_;
  const LeaseOptions& options_;
};

}  // namespace tgate::cluster
