// InstanceId: the name a tgate process takes in the cluster's `instances`
// table for as long as it runs: the host, the pid and a random part, so two
// processes never share one (not even a restart that reuses the pid, nor two
// containers with one hostname). Not an identity across restarts: a restarted
// process is a new instance, and takes its bots again by the lease rules.
#pragma once

#include <string>

namespace tgate::cluster {

// "<host>-<pid>-<8 random base64url chars>"; the host part cut to 40
// characters of [A-Za-z0-9.-] (others become '-'), so the id is safe in a log
// line and a metric label.
std::string NewInstanceId();

}  // namespace tgate::cluster
