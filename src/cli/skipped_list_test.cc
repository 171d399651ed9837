#include "cli/skipped_list.h"

#include <gtest/gtest.h>

namespace tgate::cli {
namespace {

namespace json = boost::json;

json::object Created(int n) {
  json::array users;
  for (int i = 0; i < n; ++i) {
    users.push_back(json::object{{"user", std::to_string(i)}, {"reason", i % 2 ? "blocked" : "not_linked"}});
  }
  return json::object{{"id", 1}, {"total", 0}, {"skipped", n}, {"skipped_users", users}};
}

TEST(SkippedList, NamesEachWithWhy) {
  EXPECT_EQ(SkippedList(Created(2)), "skipped: 0 (not linked), 1 (blocked)");
}

TEST(SkippedList, NamesTheFirstFewThenCountsTheRest) {
  EXPECT_EQ(SkippedList(Created(8), 3), "skipped: 0 (not linked), 1 (blocked), 2 (not linked) and 5 more");
  EXPECT_EQ(SkippedList(Created(5), 5),
            "skipped: 0 (not linked), 1 (blocked), 2 (not linked), 3 (blocked), "
            "4 (not linked)");
}

TEST(SkippedList, NothingSkippedSaysNothing) {
  EXPECT_EQ(SkippedList(Created(0)), "");
  EXPECT_EQ(SkippedList(json::object{{"id", 1}}), "");
}

}  // namespace
}  // namespace tgate::cli
