#include "core/metrics.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "core/await_test_util.h"

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

}  // namespace
}  // namespace tgate
