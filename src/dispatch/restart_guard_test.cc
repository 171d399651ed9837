#include "dispatch/restart_guard.h"

#include <gtest/gtest.h>

#include "dispatch/queue_test_util.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

class RestartGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);  // stamps updated_at, which RecentGroupSends reads
    ASSERT_TRUE(store_);
  }

  // Builds the scheduler and guard of a (re)started process: a group may
  // get `group_per_min` messages a minute, a private chat one a second.
  void Restart(double group_per_min) {
    SchedulerLimits l;
    l.global_per_sec = 1000;
    l.group_per_min = group_per_min;
    scheduler_ = std::make_unique<Scheduler>(l);
    guard_ =
        std::make_unique<RestartGuard>(*store_, clock_, *scheduler_, RestartGuardOptions{"default", 1, 1});
    start_ = clock_.Now();
    Await(guard_->Start());
  }
  Job Queue(int64_t chat) {
    Job job;
    job.id = testing::QueueDirect(*store_, chat);
    job.chat_id = chat;
    return job;
  }
  // The process before sent `job` (one part) and wrote it down.
  void RecordSent(const Job& job) {
    store::Completion c;
    c.id = job.id;
    c.status = store::MessageStatus::kSent;
    c.parts_sent = 1;
    ASSERT_OK(Await(store_->Complete({c})));
  }
  // Whether a job may be sent `after` the start.
  bool SendsAt(std::chrono::milliseconds after) {
    if (!scheduler_->Next(start_ + after)) return false;
    return true;
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<RestartGuard> guard_;
  SteadyTime start_;
};

TEST_F(RestartGuardTest, NothingIsSentBeforeOnePrivateChatWindowHasPassed) {
  Restart(20);
  scheduler_->Add(Queue(5));
  EXPECT_FALSE(SendsAt(1s));
  EXPECT_TRUE(SendsAt(1040ms));  // 1 s window, 2% + 10 ms margin
}

TEST_F(RestartGuardTest, AGroupsRecordedSendsOfTheLastMinuteCountAgainstItsWindow) {
  RecordSent(Queue(-100));
  clock_.Advance(10s);
  Restart(1);                    // one message a minute
  scheduler_->Add(Queue(-100));  // queued after the start: only the recorded send counts
  scheduler_->Add(Queue(7));
  auto first = scheduler_->Next(start_ + 2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->chat_id, 7);  // the group waits
  EXPECT_FALSE(SendsAt(40s));
  // Recorded at second S counts as sent at S + 1, a window (+ margin) before.
  EXPECT_TRUE(SendsAt(55s));
}

TEST_F(RestartGuardTest, SendsOlderThanTheGroupWindowDoNotCount) {
  RecordSent(Queue(-100));
  clock_.Advance(90s);
  Restart(1);
  scheduler_->Add(Queue(-100));
  EXPECT_TRUE(SendsAt(2s));
}

TEST_F(RestartGuardTest, AGroupWithAMessageFromBeforeTheStartGivesUpOneSlotOnce) {
  Job a = Queue(-200);
  Job b = Queue(-200);
  Restart(2);  // two a minute: the unrecorded one and one more
  for (const Job& job : {a, b}) {
    guard_->OnGroupJobLoaded(job, clock_.Now());
    scheduler_->Add(job);
  }
  EXPECT_TRUE(SendsAt(2s));  // counted once, not once per message
  scheduler_->Done(-200, start_ + 3s);
  EXPECT_FALSE(SendsAt(30s));
  EXPECT_TRUE(SendsAt(62s));
}

TEST_F(RestartGuardTest, AMessageQueuedAfterTheStartCostsItsGroupNothing) {
  Restart(1);
  Job job = Queue(-300);
  guard_->OnGroupJobLoaded(job, clock_.Now());
  scheduler_->Add(job);
  EXPECT_TRUE(SendsAt(2s));
}

TEST_F(RestartGuardTest, AfterTheFirstWindowNothingMoreIsCounted) {
  Job job = Queue(-400);
  Restart(1);
  guard_->OnGroupJobLoaded(job, start_ + 60s);
  scheduler_->Add(job);
  EXPECT_TRUE(SendsAt(61s));
}

TEST_F(RestartGuardTest, AMigratedGroupIsNotCountedAgain) {
  Job job = Queue(-500);
  Restart(1);
  guard_->OnMigrated(-500);  // its sends in the window are this process's, recorded
  guard_->OnGroupJobLoaded(job, clock_.Now());
  scheduler_->Add(job);
  EXPECT_TRUE(SendsAt(2s));
}

}  // namespace
}  // namespace tgate::dispatch
