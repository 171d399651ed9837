#include "store/skipped_users.h"

#include <gtest/gtest.h>

namespace tgate::store {
namespace {

TEST(SkippedUsers, NamesTheInactiveInRequestOrderOnce) {
  const std::map<std::string, UserStatus> bindings = {{"a", UserStatus::kActive},
                                                      {"b", UserStatus::kBlocked}};
  const auto skipped = SkippedUsersOf({"z", "a", "b", "z", "b", "y"}, bindings);
  const std::vector<SkippedUser> want = {{"z", "not_linked"}, {"b", "blocked"}, {"y", "not_linked"}};
  EXPECT_EQ(skipped, want);
}

TEST(SkippedUsers, RoundTripThroughTheStoredJson) {
  const std::vector<SkippedUser> list = {{"7", "not_linked"}, {"a \"quoted\" id", "blocked"}};
  const std::string text = SkippedUsersJson(list);
  EXPECT_EQ(ParseSkippedUsers(text), list);
  EXPECT_EQ(SkippedUsersJson({}), "");
  EXPECT_TRUE(ParseSkippedUsers("").empty());
  EXPECT_TRUE(ParseSkippedUsers("not json").empty());
  EXPECT_TRUE(ParseSkippedUsers("{\"user\":\"7\"}").empty());
}

}  // namespace
}  // namespace tgate::store
