#include "cluster/rendezvous.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace tgate::cluster {
namespace {

std::vector<std::string> Bots(int n) {
  std::vector<std::string> bots;
  for (int i = 0; i < n; ++i) bots.push_back("bot" + std::to_string(i));
  return bots;
}

std::map<std::string, std::string> Assign(const std::vector<std::string>& bots,
                                          const std::vector<std::string>& instances) {
  std::map<std::string, std::string> owner;
  for (const std::string& b : bots) owner[b] = DesiredOwner(b, instances);
  return owner;
}

TEST(Rendezvous, NoInstancesNoOwner) { EXPECT_EQ(DesiredOwner("a", {}), ""); }

TEST(Rendezvous, OneInstanceOwnsEverything) {
  for (const std::string& b : Bots(20)) EXPECT_EQ(DesiredOwner(b, {"only"}), "only");
}

// The hash is part of the protocol between instances: a change would make
// instances of two versions disagree during a rolling upgrade.
TEST(Rendezvous, ScoreIsFixed) {
  EXPECT_EQ(RendezvousScore("", ""), RendezvousScore("", ""));
  EXPECT_NE(RendezvousScore("ab", "c"), RendezvousScore("a", "bc"));
  // Computed apart, by a Python transcription of the algorithm.
  EXPECT_EQ(RendezvousScore("bot", "host-1-abc"), 0xbc54da020844ca5aull);
}

TEST(Rendezvous, StableAndOrderIndependent) {
  std::vector<std::string> instances = {"i-a", "i-b", "i-c"};
  auto first = Assign(Bots(200), instances);
  std::reverse(instances.begin(), instances.end());
  EXPECT_EQ(Assign(Bots(200), instances), first);
  std::rotate(instances.begin(), instances.begin() + 1, instances.end());
  EXPECT_EQ(Assign(Bots(200), instances), first);
}

TEST(Rendezvous, SpreadsBotsEvenly) {
  const std::vector<std::string> instances = {"host-101-Xa9", "host-102-Qm1", "host-103-Zz0"};
  std::map<std::string, int> count;
  for (const auto& [bot, owner] : Assign(Bots(3000), instances)) ++count[owner];
  ASSERT_EQ(count.size(), 3u);
  // 1000 each expected; a binomial's standard deviation here is about 26.
  for (const auto& [owner, n] : count) {
    EXPECT_GT(n, 880) << owner;
    EXPECT_LT(n, 1120) << owner;
  }
}

TEST(Rendezvous, JoiningMovesOnlyBotsToTheNewcomer) {
  const auto bots = Bots(1000);
  const auto before = Assign(bots, {"a", "b", "c"});
  const auto after = Assign(bots, {"a", "b", "c", "d"});
  int moved = 0;
  for (const auto& b : bots) {
    if (before.at(b) != after.at(b)) {
      EXPECT_EQ(after.at(b), "d") << b;
      ++moved;
    }
  }
  // About a quarter move (the newcomer's fair share), no more.
  EXPECT_GT(moved, 180);
  EXPECT_LT(moved, 320);
}

TEST(Rendezvous, LeavingMovesOnlyTheLeaversBots) {
  const auto bots = Bots(1000);
  const auto before = Assign(bots, {"a", "b", "c"});
  const auto after = Assign(bots, {"a", "c"});
  std::map<std::string, int> took;
  for (const auto& b : bots) {
    if (before.at(b) == "b") {
      ++took[after.at(b)];
    } else {
      EXPECT_EQ(after.at(b), before.at(b)) << b;
    }
  }
  // b's bots are shared between the two that stay, not dumped on one.
  EXPECT_GT(took["a"], 100);
  EXPECT_GT(took["c"], 100);
}

}  // namespace
}  // namespace tgate::cluster
