#include "cli/progress.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// What a terminal shows after `writes`: '\r' returns to the start of the
// line, other characters overwrite. Trailing spaces are invisible.
std::string Screen(const std::vector<std::string>& writes) {
  std::string screen;
  size_t col = 0;
  for (const std::string& w : writes) {
    for (char c : w) {
      if (c == '\r') {
        col = 0;
        continue;
      }
      if (col < screen.size()) {
        screen[col] = c;
      } else {
        screen += c;
      }
      ++col;
    }
  }
  while (!screen.empty() && screen.back() == ' ') screen.pop_back();
  return screen;
}

TEST(RedrawLine, AShorterLineLeavesNothingOfTheLongerOneBefore) {
  size_t drawn = 0;
  std::vector<std::string> writes;
  writes.push_back(RedrawLine("pending 12  ETA 1m05s", drawn));
  writes.push_back(RedrawLine("pending 2  ETA 10s", drawn));
  writes.push_back(RedrawLine("pending 0  ETA 0s", drawn));
  EXPECT_EQ(Screen(writes), "pending 0  ETA 0s");  // was "pending 0  ETA 0sss"
  EXPECT_EQ(drawn, std::string("pending 0  ETA 0s").size());
  writes.push_back(RedrawLine("a longer line than any before it", drawn));
  EXPECT_EQ(Screen(writes), "a longer line than any before it");
}

}  // namespace
}  // namespace tgate::cli
