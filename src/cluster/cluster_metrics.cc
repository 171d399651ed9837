#include "cluster/cluster_metrics.h"

namespace tgate::cluster {
namespace {

constexpr char kOwned[] = "tgate_bot_owned";
constexpr char kJobOwned[] = "tgate_job_owned";
constexpr char kRenewals[] = "tgate_lease_renewals_total";
constexpr char kFailures[] = "tgate_lease_renewal_failures_total";
constexpr char kTakeovers[] = "tgate_lease_takeovers_total";

// A job's lease ("~events") is not a bot's: its own gauge and label, so
// what sums bots (a dashboard of tgate_bot_owned) counts bots only.
bool IsJob(std::string_view name) { return !name.empty() && name.front() == '~'; }

const char* OwnedGauge(std::string_view name) { return IsJob(name) ? kJobOwned : kOwned; }

}  // namespace

std::string LeaseLabel(std::string_view name) {
  if (!IsJob(name)) return BotLabel(name);
  std::string label = BotLabel(name.substr(1));
  return "job" + label.substr(3);
}

std::string BotLabel(std::string_view bot) {
  std::string out = "bot=\"";
  for (char c : bot) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

ClusterMetrics::ClusterMetrics(Metrics* metrics) : metrics_(metrics) {
  if (metrics_ == nullptr) return;
  metrics_->Describe(kOwned, "gauge", "1 if this instance owns the bot's lease (sends for it), else 0.");
  metrics_->Describe(kJobOwned, "gauge",
                     "1 if this instance runs the cluster-wide job (events: the events sender; pruner: "
                     "retention), else 0.");
  metrics_->Describe(kRenewals, "counter", "Lease renewals of the bot that succeeded.");
  metrics_->Describe(kFailures, "counter", "Lease renewals of the bot that failed or found the lease taken.");
  metrics_->Describe(kTakeovers, "counter",
                     "Times this instance acquired the bot's lease (a new epoch each).");
}

void ClusterMetrics::AddBot(std::string_view bot) {
  if (metrics_ == nullptr) return;
  const std::string l = LeaseLabel(bot);
  metrics_->Set(OwnedGauge(bot), l, 0);
  metrics_->Inc(kRenewals, l, 0);
  metrics_->Inc(kFailures, l, 0);
  metrics_->Inc(kTakeovers, l, 0);
}

void ClusterMetrics::SetOwned(std::string_view bot, bool owned) {
  if (metrics_ != nullptr) metrics_->Set(OwnedGauge(bot), LeaseLabel(bot), owned ? 1 : 0);
}

void ClusterMetrics::Renewed(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kRenewals, LeaseLabel(bot));
}

void ClusterMetrics::RenewalFailed(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kFailures, LeaseLabel(bot));
}

void ClusterMetrics::TookOver(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kTakeovers, LeaseLabel(bot));
}

}  // namespace tgate::cluster
