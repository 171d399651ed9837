#include "tools/emulator/update_queue.h"

#include <gtest/gtest.h>

#include "core/fake_clock.h"

namespace tgate::emulator {
namespace {

using namespace std::chrono_literals;

boost::json::object Msg(const char* text) { return boost::json::object{{"message", {{"text", text}}}}; }

std::string TextOf(const boost::json::object& u) {
  return std::string(u.at("message").at("text").as_string());
}

TEST(UpdateQueue, UpdateIdsAreSequential) {
  UpdateQueue q;
  EXPECT_EQ(q.Push(1, Msg("a")), 1);
  EXPECT_EQ(q.Push(2, Msg("b")), 2);
  EXPECT_EQ(q.Push(1, Msg("c")), 3);
  EXPECT_EQ(q.pending(), 3u);
}

TEST(UpdateQueue, OneInFlightPerChatOthersInParallel) {
  FakeClock clock;
  UpdateQueue q;
  q.Push(1, Msg("1a"));
  q.Push(1, Msg("1b"));
  q.Push(2, Msg("2a"));
  auto d1 = q.TakeReady(clock.Now(), 40);
  auto d2 = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(TextOf(d1->update), "1a");
  EXPECT_EQ(d1->update.at("update_id").as_int64(), 1);
  EXPECT_EQ(TextOf(d2->update), "2a");
  EXPECT_FALSE(q.TakeReady(clock.Now(), 40));  // chat 1 busy, chat 2 empty
  q.Ack(*d1);
  auto d3 = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d3);
  EXPECT_EQ(TextOf(d3->update), "1b");
  q.Ack(*d2);
  q.Ack(*d3);
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(UpdateQueue, MaxInFlightBoundsParallelism) {
  FakeClock clock;
  UpdateQueue q;
  for (int i = 1; i <= 5; ++i) q.Push(i, Msg("x"));
  EXPECT_TRUE(q.TakeReady(clock.Now(), 2));
  EXPECT_TRUE(q.TakeReady(clock.Now(), 2));
  EXPECT_FALSE(q.TakeReady(clock.Now(), 2));
}

TEST(UpdateQueue, FailedDeliveryRetriesWithDoublingDelayAndBlocksItsChat) {
  FakeClock clock;
  UpdateQueue q(100ms, 350ms);
  q.Push(1, Msg("first"));
  q.Push(1, Msg("second"));
  auto d = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d);
  EXPECT_EQ(q.Nack(*d, clock.Now()), 100ms);
  EXPECT_FALSE(q.TakeReady(clock.Now(), 40));  // "second" waits behind "first"
  EXPECT_EQ(q.NextWakeup(), clock.Now() + 100ms);
  clock.Advance(100ms);
  d = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d);
  EXPECT_EQ(TextOf(d->update), "first");
  EXPECT_EQ(q.Nack(*d, clock.Now()), 200ms);
  clock.Advance(200ms);
  d = q.TakeReady(clock.Now(), 40);
  EXPECT_EQ(q.Nack(*d, clock.Now()), 350ms);  // capped
  clock.Advance(350ms);
  d = q.TakeReady(clock.Now(), 40);
  EXPECT_EQ(q.Nack(*d, clock.Now()), 350ms);
  clock.Advance(350ms);
  d = q.TakeReady(clock.Now(), 40);
  q.Ack(*d);
  d = q.TakeReady(clock.Now(), 40);  // no delay after a success
  ASSERT_TRUE(d);
  EXPECT_EQ(TextOf(d->update), "second");
  EXPECT_EQ(q.Nack(*d, clock.Now()), 100ms);  // the delay restarted
}

TEST(UpdateQueue, DuplicateKeepsTheUpdateId) {
  FakeClock clock;
  UpdateQueue q;
  int64_t id = q.Push(7, Msg("hello"));
  auto d = q.TakeReady(clock.Now(), 40);
  q.Ack(*d);
  EXPECT_TRUE(q.PushDuplicate(id));
  EXPECT_FALSE(q.PushDuplicate(999));
  d = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->update_id, id);
  EXPECT_EQ(TextOf(d->update), "hello");
}

TEST(UpdateQueue, PollConfirmsByOffset) {
  UpdateQueue q;
  q.Push(1, Msg("a"));
  q.Push(2, Msg("b"));
  q.Push(3, Msg("c"));
  auto got = q.Poll(0, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("update_id").as_int64(), 1);
  EXPECT_EQ(q.Poll(0, 100).size(), 3u);  // nothing confirmed yet
  got = q.Poll(3, 100);                  // confirms 1 and 2
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("update_id").as_int64(), 3);
  EXPECT_TRUE(q.Poll(4, 100).empty());
  EXPECT_EQ(q.pending(), 0u);
}

TEST(UpdateQueue, PollNegativeOffsetKeepsTheLastOnes) {
  UpdateQueue q;
  for (int i = 0; i < 5; ++i) q.Push(1, Msg("x"));
  auto got = q.Poll(-2, 100);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("update_id").as_int64(), 4);
}

TEST(UpdateQueue, PolledDuplicateIsReturnedOnceMore) {
  UpdateQueue q;
  q.Push(1, Msg("a"));
  ASSERT_EQ(q.Poll(0, 100).size(), 1u);
  EXPECT_TRUE(q.Poll(2, 100).empty());
  EXPECT_TRUE(q.PushDuplicate(1));
  auto got = q.Poll(2, 100);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("update_id").as_int64(), 1);
  EXPECT_TRUE(q.Poll(2, 100).empty());
}

TEST(UpdateQueue, ClearDropsPendingAndIgnoresLateAcks) {
  FakeClock clock;
  UpdateQueue q;
  q.Push(1, Msg("a"));
  q.Push(1, Msg("b"));
  auto d = q.TakeReady(clock.Now(), 40);
  q.Clear();
  EXPECT_EQ(q.pending(), 0u);
  q.Ack(*d);
  EXPECT_EQ(q.in_flight(), 0u);
  q.Push(1, Msg("c"));
  d = q.TakeReady(clock.Now(), 40);
  ASSERT_TRUE(d);
  EXPECT_EQ(TextOf(d->update), "c");
}

}  // namespace
}  // namespace tgate::emulator
