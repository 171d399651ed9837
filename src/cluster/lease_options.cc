#include "cluster/lease_options.h"

#include <set>

namespace tgate::cluster {

Status ValidateLeaseOptions(const LeaseOptions& o) {
  if (o.instance_id.empty()) return Status::InvalidArgument("the instance has no id");
  std::set<std::string> seen;
  for (const std::string& bot : o.bots) {
    if (bot.empty()) return Status::InvalidArgument("a bot without a name cannot be leased");
    if (!seen.insert(bot).second) return Status::InvalidArgument("bot '" + bot + "' is listed twice");
  }
  if (o.beat.count() <= 0 || o.margin.count() <= 0) {
    return Status::InvalidArgument("the lease beat and margin must be positive");
  }
  if (o.lease - o.margin < 2 * o.beat) {
    return Status::InvalidArgument("lease (" + std::to_string(o.lease.count()) + " ms) - margin (" +
                                   std::to_string(o.margin.count()) + " ms) must be at least two beats (" +
                                   std::to_string(2 * o.beat.count()) +
                                   " ms), so one failed renewal does not cost the bots");
  }
  if (o.forget_after < o.lease) return Status::InvalidArgument("forget_after must be at least the lease");
  return Status::Ok();
}

}  // namespace tgate::cluster
