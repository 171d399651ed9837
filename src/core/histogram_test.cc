#include "core/histogram.h"

#include <gtest/gtest.h>

#include "core/metrics.h"
#include "core/metrics_lint_test_util.h"

namespace tgate {
namespace {

TEST(Histogram, BucketsAreCumulativeAndEndWithInf) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 2.0, 20.0}) h.Observe(v);
  EXPECT_EQ(h.CumulativeCount(0), 2u);  // 0.05 and 0.1: le is "less than or equal"
  EXPECT_EQ(h.CumulativeCount(1), 3u);
  EXPECT_EQ(h.CumulativeCount(2), 4u);
  EXPECT_EQ(h.CumulativeCount(3), 5u);  // +Inf: all
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 22.65);
}

TEST(Histogram, RendersBucketsSumAndCount) {
  Histogram h({0.25, 1});
  h.Observe(0.2);
  h.Observe(3);
  std::string out;
  h.Render("tgate_x_seconds", "bot=\"a\"", out);
  EXPECT_EQ(out,
            "tgate_x_seconds_bucket{bot=\"a\",le=\"0.25\"} 1\n"
            "tgate_x_seconds_bucket{bot=\"a\",le=\"1\"} 1\n"
            "tgate_x_seconds_bucket{bot=\"a\",le=\"+Inf\"} 2\n"
            "tgate_x_seconds_sum{bot=\"a\"} 3.2\n"
            "tgate_x_seconds_count{bot=\"a\"} 2\n");
  std::string bare;
  Histogram({1}).Render("t", "", bare);
  EXPECT_EQ(bare, "t_bucket{le=\"1\"} 0\nt_bucket{le=\"+Inf\"} 0\nt_sum 0\nt_count 0\n");
}

TEST(Histogram, BoundsThatDoNotIncreaseAreDropped) {
  Histogram h({1, 0.5, 1, 2});
  EXPECT_EQ(h.bounds(), (std::vector<double>{1, 2}));
}

TEST(Histogram, RenderedThroughMetricsWithHelpAndType) {
  Metrics m;
  Histogram h({0.5, 5});
  h.Observe(1);
  m.Describe("tgate_wait_seconds", "histogram", "Waits.");
  m.Histogram("tgate_wait_seconds", "bot=\"a\"", &h);
  const std::string text = m.Render();
  EXPECT_NE(
      text.find("# TYPE tgate_wait_seconds histogram\ntgate_wait_seconds_bucket{bot=\"a\",le=\"0.5\"} 0\n"),
      std::string::npos)
      << text;
  EXPECT_TRUE(testing::LintExposition(text).empty());
  h.Observe(7);  // read at render time
  EXPECT_NE(m.Render().find("tgate_wait_seconds_count{bot=\"a\"} 2\n"), std::string::npos);
}

}  // namespace
}  // namespace tgate
