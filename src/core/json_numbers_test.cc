#include "core/json_numbers.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tgate {
namespace {

TEST(AllNumbersFinite, FindsAnOutOfRangeNumberAnywhere) {
  for (const char* text :
       {"1e999", "-1e999", "[1,[2,{\"a\":1e400}]]", "{\"reply_markup\":{\"x\":-176E7225600}}"}) {
    boost::json::value v = boost::json::parse(text);
    EXPECT_FALSE(AllNumbersFinite(v)) << text;
    // Why it matters: Boost.JSON would write it back as a non-JSON word.
    boost::system::error_code ec;
    boost::json::parse(boost::json::serialize(v), ec);
    EXPECT_TRUE(ec) << text;
  }
}

TEST(AllNumbersFinite, AcceptsOrdinaryJson) {
  for (const char* text : {"{}", "[]", "null", "\"1e999\"", "1.5e308", "-1001234567890",
                           "18446744073709551615", "{\"a\":[1,2.5,{\"b\":true,\"c\":null}]}"}) {
    EXPECT_TRUE(AllNumbersFinite(boost::json::parse(text))) << text;
  }
}

}  // namespace
}  // namespace tgate
