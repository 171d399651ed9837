#include "dispatch/limit_feedback.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;

class LimitFeedbackTest : public ::testing::Test {
 protected:
  Job SentTo(int64_t chat, std::chrono::milliseconds ago = 0ms) {
    Job job;
    job.id = chat;
    job.chat_id = chat;
    job.released = clock_.Now() - ago;
    return job;
  }

  FakeClock clock_;
  Scheduler scheduler_{SchedulerLimits{}};  // 30/s global
  LimitFeedback feedback_{scheduler_, "default", 30};
  const telegram::ApiResult ok_ = telegram::Classify(200, R"({"ok":true,"result":{}})");
};

TEST_F(LimitFeedbackTest, OneChatsRateLimitsLeaveTheGlobalRateAlone) {
  for (int i = 0; i < 5; ++i) feedback_.On429(SentTo(1), clock_.Now(), 3s);
  EXPECT_EQ(scheduler_.global_rate(), 30);
}

TEST_F(LimitFeedbackTest, RateLimitsAcrossChatsSlowTheBotAndPauseEveryChat) {
  for (int64_t chat : {1, 2, 3}) feedback_.On429(SentTo(chat), clock_.Now(), 3s);
  EXPECT_DOUBLE_EQ(scheduler_.global_rate(), 21);
  scheduler_.Add(SentTo(9));
  EXPECT_FALSE(scheduler_.Next(clock_.Now() + 2900ms));
  EXPECT_TRUE(scheduler_.Next(clock_.Now() + 3s));
}

TEST_F(LimitFeedbackTest, QuietPeriodsRaiseTheRateBack) {
  for (int64_t chat : {1, 2, 3}) feedback_.On429(SentTo(chat), clock_.Now(), 1s);
  ASSERT_DOUBLE_EQ(scheduler_.global_rate(), 21);
  feedback_.Tick(clock_.Now());
  EXPECT_DOUBLE_EQ(scheduler_.global_rate(), 21);  // not quiet yet
  clock_.Advance(10s);
  feedback_.Tick(clock_.Now());
  EXPECT_DOUBLE_EQ(scheduler_.global_rate(), 22.5);  // one step of 5% of the ceiling
}

TEST_F(LimitFeedbackTest, TheSpreadOfRoundTripsWidensTheWindows) {
  feedback_.OnAnswer(SentTo(1, 10ms), ok_, clock_.Now());
  EXPECT_EQ(scheduler_.jitter_margin(), 0ms);  // one round trip has no spread
  feedback_.OnAnswer(SentTo(2, 110ms), ok_, clock_.Now());
  // A range of 100 ms over two samples, stretched by (2 + 1) / (2 - 1).
  EXPECT_EQ(scheduler_.jitter_margin(), 300ms);
}

TEST_F(LimitFeedbackTest, ATransportFailureSaysNothingOfTheRoundTrip) {
  feedback_.OnAnswer(SentTo(1, 10ms), ok_, clock_.Now());
  feedback_.OnAnswer(SentTo(2, 400ms), telegram::NetworkFailure("timeout"), clock_.Now());
  EXPECT_EQ(scheduler_.jitter_margin(), 0ms);
}

}  // namespace
}  // namespace tgate::dispatch
