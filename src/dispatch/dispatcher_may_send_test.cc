// The Dispatcher's may-send gate (DispatcherOptions::may_send): a cluster
// instance whose lease's send window closed starts no send, the messages stay
// queued, and sending resumes once the gate opens again. On a FakeClock.
#include <gtest/gtest.h>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_test_util.h"

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;

class DispatcherMaySendTest : public testing::DispatcherFixture {};

TEST_F(DispatcherMaySendTest, NoSendStartsWhileTheGateIsClosed) {
  bool may_send = false;
  int asked = 0;
  options_.may_send = [&] {
    ++asked;
    return may_send;
  };
  const int64_t a = Enqueue(1, "a");
  const int64_t b = Enqueue(2, "b");
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  // Two seconds of fake time with the gate closed: nothing reaches Telegram,
  // both stay queued, and the gate is asked again and again (not once).
  tgate::testing::RunFor(io_, clock_, 2s);
  EXPECT_TRUE(api_.calls().empty());
  EXPECT_EQ(StatusOf(a), store::MessageStatus::kQueued);
  EXPECT_EQ(StatusOf(b), store::MessageStatus::kQueued);
  EXPECT_GT(asked, 5);
  // The gate opens (the lease renewed): both go out within a recheck.
  may_send = true;
  const SteadyTime opened = clock_.Now();
  ASSERT_TRUE(tgate::testing::RunUntil(
      io_, clock_,
      [&] {
        return StatusOf(a) == store::MessageStatus::kSent && StatusOf(b) == store::MessageStatus::kSent;
      },
      5s));
  ASSERT_EQ(api_.calls().size(), 2u);
  EXPECT_LE(api_.calls()[0].at - opened, options_.may_send_recheck + 50ms);
  // Closed again: a message queued now waits.
  may_send = false;
  const int64_t c = Enqueue(3, "c");
  d.Notify();
  tgate::testing::RunFor(io_, clock_, 1s);
  EXPECT_EQ(api_.calls().size(), 2u);
  EXPECT_EQ(StatusOf(c), store::MessageStatus::kQueued);
  EXPECT_TRUE(Stop(d, 1s));
}

TEST_F(DispatcherMaySendTest, WithoutAGateEverythingSends) {
  const int64_t a = Enqueue(1, "a");
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  ASSERT_TRUE(tgate::testing::RunUntil(
      io_, clock_, [&] { return StatusOf(a) == store::MessageStatus::kSent; }, 5s));
  EXPECT_TRUE(Stop(d, 1s));
}

}  // namespace
}  // namespace tgate::dispatch
