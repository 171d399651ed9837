#include "cluster/cluster_metrics.h"

#include <gtest/gtest.h>

namespace tgate::cluster {
namespace {

TEST(ClusterMetrics, EveryBotShowsOnEveryInstance) {
  Metrics m;
  ClusterMetrics cm(&m);
  cm.AddBot("news");
  cm.AddBot("shop");
  cm.SetOwned("shop", true);
  cm.TookOver("shop");
  cm.Renewed("shop");
  cm.Renewed("shop");
  cm.RenewalFailed("shop");
  const std::string out = m.Render();
  EXPECT_NE(out.find("# TYPE tgate_bot_owned gauge"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_bot_owned{bot=\"news\"} 0"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_bot_owned{bot=\"shop\"} 1"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_lease_takeovers_total{bot=\"news\"} 0"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_lease_takeovers_total{bot=\"shop\"} 1"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_lease_renewals_total{bot=\"shop\"} 2"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_lease_renewal_failures_total{bot=\"shop\"} 1"), std::string::npos) << out;
}

TEST(ClusterMetrics, AJobsLeaseIsNotCountedAsABot) {
  Metrics m;
  ClusterMetrics cm(&m);
  cm.AddBot("news");
  cm.AddBot("~events");
  cm.SetOwned("~events", true);
  cm.Renewed("~events");
  const std::string out = m.Render();
  EXPECT_NE(out.find("tgate_job_owned{job=\"events\"} 1"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_lease_renewals_total{job=\"events\"} 1"), std::string::npos) << out;
  EXPECT_EQ(out.find("tgate_bot_owned{bot=\"~events\"}"), std::string::npos) << out;
  EXPECT_NE(out.find("tgate_bot_owned{bot=\"news\"} 0"), std::string::npos) << out;
}

TEST(ClusterMetrics, LabelValuesAreEscaped) { EXPECT_EQ(BotLabel("a\"b\\c\nd"), "bot=\"a\\\"b\\\\c\\nd\""); }

TEST(ClusterMetrics, NoMetricsCountsNothing) {
  ClusterMetrics cm(nullptr);
  cm.AddBot("x");
  cm.SetOwned("x", true);  // no crash, nothing to see
}

}  // namespace
}  // namespace tgate::cluster
