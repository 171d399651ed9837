#include "core/metrics.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "core/await_test_util.h"
#include "core/metrics_lint_test_util.h"

namespace tgate {
namespace {

TEST(Metrics, RendersPrometheusText) {
  Metrics m;
  m.Describe("tgate_messages_total", "counter", "Messages by outcome.");
  m.Inc("tgate_messages_total", R"(status="sent")");
  m.Inc("tgate_messages_total", R"(status="sent")", 2);
  m.Gauge("tgate_in_flight", "", [] { return 7.0; });
  std::string text = m.Render();
  EXPECT_NE(text.find("# HELP tgate_messages_total Messages by outcome.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE tgate_messages_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("tgate_messages_total{status=\"sent\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE tgate_in_flight gauge\ntgate_in_flight 7\n"), std::string::npos);
}

// A figure that takes a wait to read (as the store's) is Set by a refresh
// that Refresh awaits before each render, suspended or not.
TEST(Metrics, RefreshAwaitsEveryScrapeRefreshBeforeRendering) {
  asio::io_context io;
  Metrics m;
  m.Describe("tgate_queue_pending", "gauge", "Messages still to send.");
  int reads = 0;
  m.OnScrape([&]() -> Awaitable<void> {
    asio::steady_timer wait(io, std::chrono::milliseconds(1));
    co_await wait.async_wait(asio::use_awaitable);  // really suspends
    m.Set("tgate_queue_pending", R"(bot="default")", double(++reads));
  });
  EXPECT_EQ(m.Render().find("tgate_queue_pending{"), std::string::npos) << "not read before a refresh";
  testing::RunAwait(io, m.Refresh());
  EXPECT_NE(m.Render().find("# TYPE tgate_queue_pending gauge\ntgate_queue_pending{bot=\"default\"} 1\n"),
            std::string::npos);
  testing::RunAwait(io, m.Refresh());
  EXPECT_NE(m.Render().find("tgate_queue_pending{bot=\"default\"} 2\n"), std::string::npos);
}

// A count read at render time is a counter, whatever order it was described
// and registered in (a reader used to make every family a gauge).
TEST(Metrics, ReadCountersStayCountersAndGaugesGauges) {
  Metrics m;
  m.Describe("tgate_sent_total", "counter", "Sent.");
  m.Gauge("tgate_sent_total", "", [] { return 3.0; });  // described as a counter: stays one
  m.Counter("tgate_failed_total", "", [] { return 1.0; });
  m.Describe("tgate_failed_total", "counter", "Failed.");
  m.Describe("tgate_in_flight", "gauge", "In flight.");
  m.Gauge("tgate_in_flight", "", [] { return 2.0; });
  const std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE tgate_sent_total counter\ntgate_sent_total 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE tgate_failed_total counter\ntgate_failed_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE tgate_in_flight gauge\n"), std::string::npos);
  EXPECT_TRUE(testing::LintExposition(text).empty());
}

TEST(Metrics, DescribingAgainRendersTheFamilyOnce) {
  Metrics m;
  for (const char* bot : {"a", "b"}) {
    m.Describe("tgate_sent_total", "counter", "Sent.");
    m.Counter("tgate_sent_total", std::string("bot=\"") + bot + "\"", [] { return 0.0; });
  }
  const std::string text = m.Render();
  EXPECT_EQ(text.find("# TYPE tgate_sent_total"), text.rfind("# TYPE tgate_sent_total"));
  EXPECT_TRUE(testing::LintExposition(text).empty()) << text;
}

// The lint itself catches what it is there for.
TEST(Metrics, LintFindsWhatBreaksPrometheusRules) {
  auto has = [](const std::vector<std::string>& problems, const std::string& what) {
    for (const auto& p : problems)
      if (p.find(what) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(testing::LintExposition("# HELP a_total A.\n# TYPE a_total gauge\na_total 1\n"),
                  "ends in _total but is TYPE gauge"));
  EXPECT_TRUE(has(testing::LintExposition("# HELP a A.\n# TYPE a gauge\n# HELP a A.\n# TYPE a gauge\n"),
                  "TYPE given twice"));
  EXPECT_TRUE(has(testing::LintExposition("b 1\n"), "without a TYPE"));
  EXPECT_TRUE(has(testing::LintExposition("# TYPE c gauge\nc 1\n"), "no HELP"));
  EXPECT_TRUE(has(testing::LintExposition("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                          "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
                  "not cumulative"));
  EXPECT_TRUE(has(testing::LintExposition("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"
                                          "h_sum 1\nh_count 2\n"),
                  "_count differs"));
}

}  // namespace
}  // namespace tgate
