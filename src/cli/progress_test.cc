#include "cli/progress.h"

#include <gtest/gtest.h>

namespace tgate::cli {
namespace {

TEST(ParseDuration, AcceptsUnitsAndPlainSeconds) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("90"), 90);
  EXPECT_EQ(*ParseDuration("90s"), 90);
  EXPECT_EQ(*ParseDuration("45m"), 2700);
  EXPECT_EQ(*ParseDuration("8h"), 28800);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400);
  EXPECT_EQ(*ParseDuration("2d"), 172800);
}

TEST(ParseDuration, RefusesNonsense) {
  for (const char* bad : {"", "h", "8x", "1h30", "-5", "1.5h", "8 h"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_NE(ParseDuration("8x").status().message().find("8h"), std::string::npos);
}

TEST(FormatEta, Units) {
  EXPECT_EQ(FormatEta(35), "35s");
  EXPECT_EQ(FormatEta(125), "2m05s");
  EXPECT_EQ(FormatEta(3725), "1h02m");
  EXPECT_EQ(FormatEta(-1), "?");
}

TEST(RenderBar, Fills) {
  EXPECT_EQ(RenderBar(0, 10, 10), "[..........]");
  EXPECT_EQ(RenderBar(5, 10, 10), "[#####.....]");
  EXPECT_EQ(RenderBar(10, 10, 10), "[##########]");
  EXPECT_EQ(RenderBar(0, 0, 4), "[####]");
}

}  // namespace
}  // namespace tgate::cli
