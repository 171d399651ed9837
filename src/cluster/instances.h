// ListInstances: the live tgate instances of a cluster as the database sees
// them, with the bots each holds a current lease on: what `tgate instances`
// prints. Live means a heartbeat within the lease and not draining, the rule
// the instances themselves rebalance by (lease_keeper.h). A read, never a
// change; usable without a LeaseKeeper (the command runs outside the server).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "pg/pool.h"

namespace tgate::cluster {

struct InstanceInfo {
  std::string id;
  std::string listen;
  // now() - heartbeat_at, both on the database's clock.
  std::chrono::milliseconds heartbeat_age{0};
  std::vector<std::string> bots;  // leases held and not expired, sorted
};

// Sorted by id.
Awaitable<Result<std::vector<InstanceInfo>>> ListInstances(pg::Pool& pool, std::chrono::milliseconds lease);

}  // namespace tgate::cluster
