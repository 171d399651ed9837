#include "pg/array_literal.h"

#include <gtest/gtest.h>

namespace tgate::pg {
namespace {

TEST(ArrayLiteralTest, TextElementsAreQuotedAndEscaped) {
  EXPECT_EQ(TextArray({}), "{}");
  EXPECT_EQ(TextArray({"a", "b c"}), R"({"a","b c"})");
  EXPECT_EQ(TextArray({R"(q"u\o,{t}e)"}), R"({"q\"u\\o,{t}e"})");
  EXPECT_EQ(TextArray({""}), R"({""})");
}

TEST(ArrayLiteralTest, Bigints) {
  EXPECT_EQ(BigintArray({}), "{}");
  EXPECT_EQ(BigintArray({1, -2, INT64_MAX}), "{1,-2,9223372036854775807}");
}

}  // namespace
}  // namespace tgate::pg
