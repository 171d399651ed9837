#include "dispatch/text_splitter.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace tgate::dispatch {
namespace {

TEST(SplitText, ShortTextIsOnePart) {
  EXPECT_EQ(SplitText("hello"), std::vector<std::string>{"hello"});
  EXPECT_EQ(SplitText(std::string(4096, 'x')).size(), 1u);
}

TEST(SplitText, PrefersParagraphBoundaries) {
  std::string a(3000, 'a'), b(3000, 'b');
  auto parts = SplitText(a + "\n\n" + b + "\nline");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], a);
  EXPECT_EQ(parts[1], b + "\nline");
}

TEST(SplitText, FallsBackToLinesThenSpacesThenHardCuts) {
  std::string a(3000, 'a'), b(3000, 'b');
  auto lines = SplitText(a + "\n" + b);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], a);
  auto spaces = SplitText(a + " " + b);
  ASSERT_EQ(spaces.size(), 2u);
  EXPECT_EQ(spaces[1], b);
  auto hard = SplitText(std::string(9000, 'z'));
  ASSERT_EQ(hard.size(), 3u);
  EXPECT_EQ(hard[0].size(), 4096u);
  EXPECT_EQ(hard[2].size(), 9000u - 8192u);
}

TEST(SplitText, CountsCodePointsAndNeverCutsASequence) {
  std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600, 4 bytes, 2 UTF-16 units
  std::string text;
  for (int i = 0; i < 5000; ++i) text += emoji;
  auto parts = SplitText(text);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(CountCodePoints(parts[0]), 4096u);
  EXPECT_EQ(CountCodePoints(parts[1]), 904u);
  for (const auto& p : parts) EXPECT_TRUE(IsValidUtf8(p));
}

TEST(SplitText, EveryPartFitsAndNothingIsLost) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "word" + std::to_string(i) + (i % 50 == 0 ? "\n" : " ");
  auto parts = SplitText(text, 1000);
  size_t chars = 0;
  for (const auto& p : parts) {
    EXPECT_LE(CountCodePoints(p), 1000u);
    chars += p.size();
  }
  EXPECT_EQ(chars + parts.size() - 1, text.size());  // one separator dropped per cut
}

}  // namespace
}  // namespace tgate::dispatch
