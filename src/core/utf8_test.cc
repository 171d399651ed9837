#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace tgate {
namespace {

TEST(Utf8, AcceptsAsciiAndMultiByteText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("hello"));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo"));          // é
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));          // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));      // 😀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));          // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));          // U+E000, just above
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is valid UTF-8
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));  // '/' in 2 bytes
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // '/' in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST(Utf8, RejectsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));      // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8, RejectsStrayAndTruncatedSequences) {
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(
      IsValidUtf8("a\xBF"
                  "b"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(
      IsValidUtf8("\xC3"
                  "a"));  // lead followed by ASCII
  EXPECT_FALSE(
      IsValidUtf8("\xE2\x82"
                  "a"));
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(CountCodePoints("\xE2\x82\xAC"
                            "1"),
            2u);
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), 2u);
}

TEST(Utf8, CountsUtf16UnitsWithSurrogatePairsForAstralCodePoints) {
  EXPECT_EQ(CountUtf16Units(""), 0u);
  EXPECT_EQ(CountUtf16Units("abc"), 3u);
  EXPECT_EQ(CountUtf16Units("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(CountUtf16Units("\xE2\x82\xAC"), 1u);
  EXPECT_EQ(CountUtf16Units("\xF0\x9F\x98\x80"), 2u);
  EXPECT_EQ(CountUtf16Units("a\xF0\x9F\x98\x80"
                            "b"),
            4u);
}

TEST(Utf8, AppendsEachLengthOfCodePoint) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F600u, 0x10FFFFu}) AppendUtf8(out, cp);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(CountCodePoints(out), 5u);
}

TEST(Utf8, AsUtf8KeepsValidTextAndShowsOtherBytesAsHex) {
  EXPECT_EQ(AsUtf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(AsUtf8("shop\xCC\xCCx"), "shop\\xCC\\xCCx");
  EXPECT_TRUE(IsValidUtf8(AsUtf8("\xFF\xC3")));
}

}  // namespace
}  // namespace tgate
