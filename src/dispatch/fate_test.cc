#include "dispatch/fate.h"

#include <gtest/gtest.h>

namespace tgate::dispatch {
namespace {

DispatcherStats After(std::initializer_list<Fate> fates) {
  DispatcherStats s;
  for (Fate f : fates) CountFate(f, s);
  return s;
}

TEST(Fate, OnlyTheLastPartOfAMessageCountsAsSent) {
  DispatcherStats s = After({Fate::kPartSent, Fate::kPartSent, Fate::kSent});
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.failed, 0u);
}

TEST(Fate, GivingUpAfter429sCountsTheRateLimitAndTheFailure) {
  DispatcherStats s = After({Fate::kRateLimited, Fate::kGaveUp});
  EXPECT_EQ(s.rate_limited, 2u);
  EXPECT_EQ(s.failed, 1u);
}

TEST(Fate, ExpiredIsAlsoFailed) {
  DispatcherStats s = After({Fate::kExpired, Fate::kBlocked, Fate::kFailed});
  EXPECT_EQ(s.expired, 1u);
  EXPECT_EQ(s.failed, 3u);
}

TEST(Fate, RetriesAreCountedAndPausesAndMovesAreNot) {
  DispatcherStats s = After({Fate::kRetried, Fate::kRetried, Fate::kBotPaused, Fate::kMigrated});
  EXPECT_EQ(s.retried, 2u);
  EXPECT_EQ(s.sent + s.failed + s.rate_limited + s.expired, 0u);
}

}  // namespace
}  // namespace tgate::dispatch
