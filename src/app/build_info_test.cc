#include "app/build_info.h"

#include <gtest/gtest.h>

namespace tgate::app {
namespace {

TEST(BuildInfo, TheVersionStartsWithTheProjectVersion) {
  const std::string v(Version());
  ASSERT_FALSE(v.empty());
  // project(tgate VERSION x.y.z), then +<git describe> when built from a checkout.
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(v[0]))) << v;
  EXPECT_NE(v.find('.'), std::string::npos) << v;
  EXPECT_EQ(v.find('"'), std::string::npos) << v;
}

TEST(BuildInfo, MetricsCarryTheVersionAsALabel) {
  Metrics m;
  DescribeBuildInfo(m);
  const std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE tgate_build_info gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tgate_build_info{version=\"" + std::string(Version()) + "\"} 1\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace tgate::app
