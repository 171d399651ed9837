#include "cluster/cluster_metrics.h"

namespace tgate::cluster {
namespace {

constexpr char kOwned[] = "tgate_bot_owned";
constexpr char kRenewals[] = "tgate_lease_renewals_total";
constexpr char kFailures[] = "tgate_lease_renewal_failures_total";
constexpr char kTakeovers[] = "tgate_lease_takeovers_total";

}  // namespace

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
  metrics_->Describe(kRenewals, "counter", "Lease renewals of the bot that succeeded.");
  metrics_->Describe(kFailures, "counter", "Lease renewals of the bot that failed or found the lease taken.");
  metrics_->Describe(kTakeovers, "counter",
                     "Times this instance acquired the bot's lease (a new epoch each).");
}

void ClusterMetrics::AddBot(std::string_view bot) {
  if (metrics_ == nullptr) return;
  const std::string l = BotLabel(bot);
  metrics_->Set(kOwned, l, 0);
  metrics_->Inc(kRenewals, l, 0);
  metrics_->Inc(kFailures, l, 0);
  metrics_->Inc(kTakeovers, l, 0);
}

void ClusterMetrics::SetOwned(std::string_view bot, bool owned) {
  if (metrics_ != nullptr) metrics_->Set(kOwned, BotLabel(bot), owned ? 1 : 0);
}

void ClusterMetrics::Renewed(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kRenewals, BotLabel(bot));
}

void ClusterMetrics::RenewalFailed(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kFailures, BotLabel(bot));
}

void ClusterMetrics::TookOver(std::string_view bot) {
  if (metrics_ != nullptr) metrics_->Inc(kTakeovers, BotLabel(bot));
}

}  // namespace tgate::cluster
