#include "cluster/instance_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

namespace tgate::cluster {
namespace {

TEST(InstanceId, UniquePerCallAndNamesThePid) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(NewInstanceId());
  EXPECT_EQ(ids.size(), 100u);
  const std::string id = NewInstanceId();
  EXPECT_NE(id.find("-" + std::to_string(getpid()) + "-"), std::string::npos) << id;
}

TEST(InstanceId, OnlyLabelSafeCharacters) {
  const std::string id = NewInstanceId();
  ASSERT_FALSE(id.empty());
  EXPECT_LE(id.size(), 40u + 1 + 10 + 1 + 8);
  for (char c : id) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') << id;
  }
}

}  // namespace
}  // namespace tgate::cluster
