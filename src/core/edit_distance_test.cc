#include "core/edit_distance.h"

#include <gtest/gtest.h>

namespace tgate {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("longpolling", "long_polling"), 1u);
  EXPECT_EQ(EditDistance("limit", "limits"), 1u);
  EXPECT_EQ(EditDistance("flaw", "lawn"), 2u);
}

TEST(EditDistance, ASwapOfNeighboursIsOneEdit) {
  EXPECT_EQ(EditDistance("inof", "info"), 1u);
  EXPECT_EQ(EditDistance("listne", "listen"), 1u);
  EXPECT_EQ(EditDistance("ab", "ba"), 1u);
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);  // no edits of a swapped pair
}

TEST(EditDistance, IgnoresAsciiCase) {
  EXPECT_EQ(EditDistance("INFO", "info"), 0u);
  EXPECT_EQ(EditDistance("Api_Key", "api_key"), 0u);
}

TEST(ClosestWord, SuggestsWhatWasMeantAndNothingFarOff) {
  const std::vector<std::string> keys{"listen", "long_polling", "limits", "api_key", "api_url"};
  EXPECT_EQ(ClosestWord("longpolling", keys), "long_polling");
  EXPECT_EQ(ClosestWord("limit", keys), "limits");
  EXPECT_EQ(ClosestWord("apikey", keys), "api_key");
  EXPECT_EQ(ClosestWord("listne", keys), "listen");
  EXPECT_EQ(ClosestWord("inof", {"trace", "debug", "info"}), "info");
  EXPECT_EQ(ClosestWord("frobnicate", keys), std::nullopt);
  EXPECT_EQ(ClosestWord("foo", keys), std::nullopt);
  EXPECT_EQ(ClosestWord("x", {}), std::nullopt);
}

TEST(ClosestWord, PrefersTheNearestAndThenTheFirst) {
  EXPECT_EQ(ClosestWord("api_ur", {"api_key", "api_url"}), "api_url");
  EXPECT_EQ(ClosestWord("warm", {"warn", "ward"}), "warn");
  EXPECT_EQ(ClosestWord("verbose", {"trace", "debug", "info", "warn", "error", "critical", "off"}),
            std::nullopt);
}

}  // namespace
}  // namespace tgate
