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

TEST(JsonInt64, ReadsIntegersThatFit) {
  EXPECT_EQ(JsonInt64(boost::json::parse("0")), 0);
  EXPECT_EQ(JsonInt64(boost::json::parse("-1001234567890")), -1001234567890);
  EXPECT_EQ(JsonInt64(boost::json::parse("9223372036854775807")), INT64_MAX);
  EXPECT_EQ(JsonInt64(boost::json::parse("-9223372036854775808")), INT64_MIN);
  // A uint64 that fits (built in code; the parser makes int64 of it).
  EXPECT_EQ(JsonInt64(boost::json::value(uint64_t{42})), 42);
}

TEST(JsonInt64, RefusesWhatIsNotAnIntegerThatFits) {
  // Integral doubles are doubles: Telegram and the site send plain integers.
  for (const char* text : {"1.0", "1e3", "42.5", "-0.0"}) {
    EXPECT_EQ(JsonInt64(boost::json::parse(text)), std::nullopt) << text;
  }
  // Out of range: above INT64_MAX (a uint64), and beyond uint64 (a double).
  for (const char* text : {"9223372036854775808", "18446744073709551615", "-9223372036854775809", "1e999"}) {
    EXPECT_EQ(JsonInt64(boost::json::parse(text)), std::nullopt) << text;
  }
  // Other kinds, a string of digits included.
  for (const char* text : {"\"42\"", "null", "true", "[1]", "{\"a\":1}"}) {
    EXPECT_EQ(JsonInt64(boost::json::parse(text)), std::nullopt) << text;
  }
}

TEST(JsonInt64Field, MissingFieldOrObjectIsNullopt) {
  boost::json::object o = boost::json::parse(R"({"id":7,"name":"x","big":18446744073709551615})").as_object();
  EXPECT_EQ(JsonInt64Field(o, "id"), 7);
  EXPECT_EQ(JsonInt64Field(&o, "id"), 7);
  EXPECT_EQ(JsonInt64Field(o, "missing"), std::nullopt);
  EXPECT_EQ(JsonInt64Field(o, "name"), std::nullopt);
  EXPECT_EQ(JsonInt64Field(o, "big"), std::nullopt);
  EXPECT_EQ(JsonInt64Field(nullptr, "id"), std::nullopt);
}

}  // namespace
}  // namespace tgate
