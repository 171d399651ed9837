#include "core/metrics.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tgate
