// LeaseOptions: how one instance takes part in bot ownership (lease_keeper.h):
// its id, the bots it can run, and the timings of the lease. Every instance
// of a cluster must run the same bots and the same lease and margin: the
// desired owner of a bot is computed by each alone (rendezvous.h), and a bot
// no live instance can run would stay unowned. Not the config file's section
// (config/), which fills these in.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace tgate::cluster {

struct LeaseOptions {
  // Unique per process start (instance_id.h).
  std::string instance_id;
  // Where this instance takes API calls, shown by `tgate instances`.
  std::string listen;
  // The bots this instance can run (config names).
  std::vector<std::string> bots;
  // A pass (heartbeat, renewals, rebalance) every beat; sooner on a
  // tgate_leases notification.
  std::chrono::milliseconds beat{1000};
  // A lease lasts this long after its last renewal, on the database's clock;
  // an instance whose heartbeat is older is not live.
  std::chrono::milliseconds lease{4000};
  // A bot's owner stops sending at (its last successful renewal's send time)
  // + lease - margin, by its own clock (send_window.h).
  std::chrono::milliseconds margin{1000};
  // The row of an instance silent this long is deleted (a crashed process
  // never deletes its own).
  std::chrono::milliseconds forget_after{std::chrono::minutes(10)};
};

// InvalidArgument unless: an id; bots named and distinct; beat, margin > 0;
// lease - margin >= 2 beats (one failed beat must not cost the bots);
// forget_after >= lease.
Status ValidateLeaseOptions(const LeaseOptions& o);

}  // namespace tgate::cluster
