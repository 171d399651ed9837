#include "tools/emulator/limits.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"
#include "telegram/rate_limits.h"

namespace tgate::emulator {
namespace {

using namespace std::chrono_literals;

TEST(SlidingWindow, AdmitsNThenWaitsUntilOldestExpires) {
  FakeClock clock;
  SlidingWindow w(3, 1s);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(w.WaitFor(clock.Now()).count(), 0);
    w.Record(clock.Now());
    clock.Advance(100ms);
  }
  // Events at 0, 100, 200 ms; now 300 ms: the first expires at 1000 ms.
  EXPECT_EQ(w.WaitFor(clock.Now()), std::chrono::nanoseconds(700ms));
  clock.Advance(699ms);
  EXPECT_GT(w.WaitFor(clock.Now()).count(), 0);
  clock.Advance(1ms);  // exactly W after the first event: it no longer counts
  EXPECT_EQ(w.WaitFor(clock.Now()).count(), 0);
  w.Record(clock.Now());
  EXPECT_EQ(w.WaitFor(clock.Now()), std::chrono::nanoseconds(100ms));
}

TEST(SlidingWindow, NoMoreThanNInAnyWindowUnderSteadyLoad) {
  FakeClock clock;
  SlidingWindow w(30, 1s);
  std::vector<SteadyTime> accepted;
  for (int i = 0; i < 5000; ++i) {  // offered every 7 ms (~143/s)
    if (w.WaitFor(clock.Now()).count() == 0) {
      w.Record(clock.Now());
      accepted.push_back(clock.Now());
    }
    clock.Advance(7ms);
  }
  for (size_t i = 30; i < accepted.size(); ++i) {
    EXPECT_GE(accepted[i] - accepted[i - 30], std::chrono::nanoseconds(1s));
  }
  EXPECT_GT(accepted.size(), 30u * 34);  // ~35 s of load at 30/s
}

TEST(Limits, GlobalFreeLimitRetryAfterIsCeilOfWait) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 30});
  for (int i = 0; i < 30; ++i) ASSERT_EQ(limits.Admit(1000 + i, false, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(2000, false, clock.Now()), 1);
  clock.Advance(999ms);
  EXPECT_EQ(limits.Admit(2000, false, clock.Now()), 1);  // 1 ms left rounds up to 1 s
  clock.Advance(1ms);
  EXPECT_EQ(limits.Admit(2000, false, clock.Now()), 0);
}

TEST(Limits, PaidMessagesHaveTheirOwnWindow) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 2, .paid_per_sec = 3});
  EXPECT_EQ(limits.Admit(1, false, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(2, false, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(3, false, clock.Now()), 1);
  EXPECT_EQ(limits.Admit(3, true, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(4, true, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(5, true, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(6, true, clock.Now()), 1);
}

TEST(Limits, PrivateChatOnePerSecondByDefault) {
  FakeClock clock;
  Limits limits(LimitOptions{});
  EXPECT_EQ(limits.Admit(42, false, clock.Now()), 0);
  clock.Advance(10ms);
  EXPECT_EQ(limits.Admit(42, false, clock.Now()), 1);
  EXPECT_EQ(limits.Admit(43, false, clock.Now()), 0);  // another chat is independent
  clock.Advance(990ms);
  EXPECT_EQ(limits.Admit(42, false, clock.Now()), 0);
}

TEST(Limits, PrivateChatBurstWindowIsBurstOverRate) {
  FakeClock clock;
  Limits limits(LimitOptions{.chat_per_sec = 1, .chat_burst = 3});  // 3 per 3 s
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limits.Admit(7, false, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(7, false, clock.Now()), 3);
  clock.Advance(2500ms);
  EXPECT_EQ(limits.Admit(7, false, clock.Now()), 1);
  clock.Advance(500ms);
  EXPECT_EQ(limits.Admit(7, false, clock.Now()), 0);
}

TEST(Limits, GroupTwentyPerMinuteWithRetryAfterInSeconds) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 1000});
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(limits.Admit(-100, false, clock.Now()), 0) << i;
    clock.Advance(1s);
  }
  // First at t=0, now t=20 s: admits again at t=60 s.
  EXPECT_EQ(limits.Admit(-100, false, clock.Now()), 40);
  clock.Advance(39500ms);
  EXPECT_EQ(limits.Admit(-100, false, clock.Now()), 1);
  clock.Advance(500ms);
  EXPECT_EQ(limits.Admit(-100, false, clock.Now()), 0);
}

TEST(Limits, RefusedRequestsAreNotRecorded) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 1});
  EXPECT_EQ(limits.Admit(1, false, clock.Now()), 0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limits.Admit(2, false, clock.Now()), 1);
  clock.Advance(1s);
  EXPECT_EQ(limits.Admit(2, false, clock.Now()), 0);
  // Chat 2 was refused by the global window, so its own window is free... once.
  clock.Advance(1s);
  EXPECT_EQ(limits.Admit(3, false, clock.Now()), 0);
}

TEST(Limits, SaysWhichRuleRefused) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 2, .paid_per_sec = 1});
  LimitScope by = LimitScope::kNone;
  EXPECT_EQ(limits.Admit(1, false, clock.Now(), &by), 0);
  EXPECT_EQ(by, LimitScope::kNone);
  EXPECT_EQ(limits.Admit(1, false, clock.Now(), &by), 1);
  EXPECT_EQ(by, LimitScope::kPrivateChat);
  EXPECT_EQ(limits.Admit(-5, false, clock.Now(), &by), 0);
  EXPECT_EQ(limits.Admit(2, false, clock.Now(), &by), 1);
  EXPECT_EQ(by, LimitScope::kFree) << "the bot-wide rule is named when it refuses";
  EXPECT_EQ(limits.Admit(3, true, clock.Now(), &by), 0);
  EXPECT_EQ(limits.Admit(4, true, clock.Now(), &by), 1);
  EXPECT_EQ(by, LimitScope::kPaid);
  clock.Advance(1s);
  for (int i = 0; i < 19; ++i) {
    ASSERT_EQ(limits.Admit(-5, false, clock.Now()), 0);
    clock.Advance(1s);
  }
  EXPECT_GT(limits.Admit(-5, false, clock.Now(), &by), 0);
  EXPECT_EQ(by, LimitScope::kGroup);
  EXPECT_STREQ(ToString(LimitScope::kGroup), "group");
}

TEST(Limits, IdleChatWindowsAreSweptButStillCorrect) {
  FakeClock clock;
  Limits limits(LimitOptions{.global_per_sec = 1e6});
  for (int i = 1; i <= 10000; ++i) ASSERT_EQ(limits.Admit(i, false, clock.Now()), 0);
  clock.Advance(11s);
  EXPECT_EQ(limits.Admit(1, false, clock.Now()), 0);
  EXPECT_EQ(limits.Admit(1, false, clock.Now()), 1);
}

// The emulator states Telegram's numbers on its own (it judges tgate); this
// is where the two statements must agree.
TEST(LimitOptions, DefaultsAgreeWithTgatesTelegramLimits) {
  LimitOptions judge;
  telegram::RateLimits tgate;
  EXPECT_EQ(judge.global_per_sec, tgate.global_per_sec);
  EXPECT_EQ(judge.paid_per_sec, tgate.paid_per_sec);
  EXPECT_EQ(judge.chat_per_sec, tgate.chat_per_sec);
  EXPECT_EQ(judge.chat_burst, tgate.chat_burst);
  EXPECT_EQ(judge.group_per_min, tgate.group_per_min);
}

}  // namespace
}  // namespace tgate::emulator
