// ClusterMetrics: what bot ownership shows on /metrics, per bot:
//   tgate_bot_owned{bot}                     1 on the owner, 0 on the others
//   tgate_lease_renewals_total{bot}          renewals that succeeded
//   tgate_lease_renewal_failures_total{bot}  renewals that failed (the
//                                            database unreachable, or the
//                                            lease found taken)
//   tgate_lease_takeovers_total{bot}         acquisitions here (each one a
//                                            new epoch)
// A cluster-wide job's lease ("~events", "~pruner": app/gateway.cc) shows
// as tgate_job_owned{job="events"} and with job="events" on the lease
// counters, so tgate_bot_owned counts bots only.
// A thin naming layer over core/metrics.h; counts nothing when given no
// Metrics. Not thread-safe: the io thread, like Metrics.
#pragma once

#include <string>
#include <string_view>

#include "core/metrics.h"

namespace tgate::cluster {

class ClusterMetrics {
 public:
  explicit ClusterMetrics(Metrics* metrics);

  // Declares the bot's series (owned = 0), so every instance shows every bot.
  void AddBot(std::string_view bot);
  void SetOwned(std::string_view bot, bool owned);
  void Renewed(std::string_view bot);
  void RenewalFailed(std::string_view bot);
  void TookOver(std::string_view bot);

 private:
  Metrics* metrics_;
};

// BotLabel's, or `job="<name without ~>"` for a job's lease.
std::string LeaseLabel(std::string_view name);

// `bot="<name>"` with the value escaped as Prometheus' text format wants
// (backslash, double quote, newline).
std::string BotLabel(std::string_view bot);

}  // namespace tgate::cluster
