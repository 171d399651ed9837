// The Dispatcher when its outcome writes fail (a busy or broken store, from
// a FaultyStore): outcomes and the events they raise are kept in memory and
// written later, together; nothing is sent twice meanwhile, and an outcome
// never written leaves its message queued in the store, not lost; a slow
// store does not slow the sends.
#include <gtest/gtest.h>

#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_test_util.h"
#include "store/faulty_store_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

class DispatcherDurabilityTest : public testing::DispatcherFixture {
 protected:
  void SetUp() override {
    DispatcherFixture::SetUp();
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    options_.global_per_sec = 1000;
    options_.chat_per_sec = 100;
    options_.first_backoff = 20ms;
  }

  // Runs a dispatcher over the FaultyStore on the fake clock until `done`
  // holds or `limit` of fake time passes, then stops it.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    Dispatcher d(io_.get_executor(), *faulty_, *faulty_, *faulty_, api_, clock_, options_);
    d.Start();
    const bool ok = tgate::testing::RunUntil(io_, clock_, done, limit);
    EXPECT_TRUE(Stop(d, 1s));
    return ok;
  }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    auto due = Await(store_->DueEvents(INT64_MAX, 100));  // held: a range-for over *temporary would dangle
    EXPECT_OK(due);
    if (due.ok())
      for (const auto& e : *due) out.push_back(e.payload);
    return out;
  }

  std::unique_ptr<store::testing::FaultyStore> faulty_;
};

TEST_F(DispatcherDurabilityTest, AnOutcomeWriteThatFailsIsWrittenLaterWithItsEventsAndNothingIsSentTwice) {
  const int64_t a = Enqueue(101, "a", "u1");
  const int64_t b = Enqueue(102, "b", "u2");
  faulty_->FailNext("WriteOutcomes", Status::Unavailable("sqlite step: database is locked"), 2);
  ASSERT_TRUE(RunUntil([&] {
    return StatusOf(a) == store::MessageStatus::kSent && StatusOf(b) == store::MessageStatus::kSent;
  }));
  EXPECT_GE(faulty_->calls("WriteOutcomes"), 3) << "two failed writes, then the one that held";
  EXPECT_EQ(api_.accepted(), 2u) << "a message whose outcome was not written yet is not sent again";
  EXPECT_EQ(api_.Accepted(101).size(), 1u);
  EXPECT_EQ(api_.Accepted(102).size(), 1u);
  for (int64_t id : {a, b}) {
    auto m = Await(store_->GetMessage(id));
    ASSERT_OK(m);
    EXPECT_EQ(m->attempts, 1);
    EXPECT_GT(m->telegram_message_id, 0);
  }
  // The events raised by those outcomes were kept with them: one each.
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  int sent_events = 0;
  for (const std::string& e : events) sent_events += e.find(R"("type":"message.sent")") != std::string::npos;
  EXPECT_EQ(sent_events, 2);
}

TEST_F(DispatcherDurabilityTest, AnOutcomeNeverWrittenLeavesTheMessageQueuedNotLost) {
  const int64_t id = Enqueue(101, "a", "u1");
  faulty_->FailNext("WriteOutcomes", Status::Internal("disk I/O error"), 1'000'000);
  ASSERT_TRUE(RunUntil([&] { return api_.accepted() == 1 && faulty_->calls("WriteOutcomes") >= 1; }));
  // Sent, but the store never took the outcome: the message is still queued
  // there (a restart sends it again: at least once, never lost), and no
  // event claims it was sent.
  auto m = Await(store_->GetMessage(id));
  ASSERT_OK(m);
  EXPECT_EQ(m->status, store::MessageStatus::kQueued);
  EXPECT_EQ(m->attempts, 0);
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(api_.Accepted(101).size(), 1u) << "and it is not sent again by the same process meanwhile";
}

// The database cut off (a PostgreSQL owner losing its connection): once an
// outcome write fails, no new send starts until a write holds, so what the
// store does not know was sent stays what was already under way.
TEST_F(DispatcherDurabilityTest, WhileOutcomeWritesFailNoNewSendStarts) {
  options_.global_per_sec = 10;
  options_.max_in_flight = 1;
  for (int i = 0; i < 20; ++i) Enqueue(200 + i, "m" + std::to_string(i), "u" + std::to_string(i));
  faulty_->FailNext("WriteOutcomes", Status::Unavailable("lost the connection to PostgreSQL"), 3);
  ASSERT_TRUE(RunUntil([&] { return faulty_->calls("WriteOutcomes") >= 3; }, 30s));
  // The first outcome batch failed to be written three times, a second
  // apart: 2 s in which all 20 would have gone at 10/s. Only the sends of
  // that batch (the window's first burst) went.
  EXPECT_LE(api_.accepted(), 2u);
  // Once a write holds, sending resumes and every message goes once.
  ASSERT_TRUE(RunUntil(
      [&] { return api_.accepted() == 20u && Await(store_->PendingMessages("default")).value() == 0; }, 30s));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(api_.Accepted(200 + i).size(), 1u) << i;
}

// Settling an answer never waits for the store (OutcomeWriter::Finish only
// batches): a full batch is written by the loop at its next pass, not at the
// end of the flush interval.
TEST_F(DispatcherDurabilityTest, AFullBatchOfOutcomesIsWrittenWithoutWaitingForTheInterval) {
  options_.flush_interval = 1h;
  constexpr int kMessages = 600;  // past the 512 of a full batch
  std::vector<int64_t> ids;
  for (int i = 0; i < kMessages; ++i) ids.push_back(Enqueue(3000 + i, "m", "u" + std::to_string(i)));
  auto sent = [&] {
    int n = 0;
    for (int64_t id : ids) n += StatusOf(id) == store::MessageStatus::kSent;
    return n;
  };
  ASSERT_TRUE(RunUntil([&] { return api_.accepted() == kMessages && sent() >= 512; }, 10s))
      << api_.accepted() << " sent, " << sent() << " written";
  EXPECT_EQ(faulty_->calls("WriteOutcomes"), 2) << "the full batch, then the rest as the dispatcher stopped";
  EXPECT_EQ(sent(), kMessages);
}

// A store whose every call takes a round trip (PostgreSQL over the network):
// the outcome writes and loads run beside the sends, so the sends keep the
// global pace instead of pausing for each write.
TEST_F(DispatcherDurabilityTest, ASlowStoreDoesNotHoldUpTheSends) {
  options_.global_per_sec = 100;  // one send every 10 ms: one per flush interval
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) Enqueue(1000 + i, "m" + std::to_string(i), "u" + std::to_string(i));
  faulty_->DelayCalls(clock_, 40ms);  // each write four send intervals long
  ASSERT_TRUE(RunUntil(
      [&] { return api_.accepted() == kMessages && Await(store_->PendingMessages("default")).value() == 0; },
      30s));
  SteadyTime first = SteadyTime::max(), last = SteadyTime::min();
  for (const auto& c : api_.calls()) {
    if (c.method != "sendMessage") continue;
    first = std::min(first, c.at);
    last = std::max(last, c.at);
  }
  // 200 at 100/s is 2 s; a loop that waited out each 40 ms write every
  // 10 ms would send one message per write, 8 s.
  EXPECT_LT(last - first, 2400ms);
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(api_.Accepted(1000 + i).size(), 1u) << i;
}

// The database cut off without a word (a partition): the outcome write hangs
// until the connection is given up. The sends it holds back stop after a
// quarter of a second instead of going on at full rate, unrecorded.
TEST_F(DispatcherDurabilityTest, AWriteThatHangsHoldsNewSendsBack) {
  options_.global_per_sec = 100;
  for (int i = 0; i < 200; ++i) Enqueue(1000 + i, "m" + std::to_string(i), "u" + std::to_string(i));
  faulty_->DelayCalls(clock_, 3s, "WriteOutcomes");
  auto first_send = [&] {
    for (const auto& c : api_.calls())
      if (c.method == "sendMessage") return c.at;
    return SteadyTime::max();
  };
  size_t sent_meanwhile = 0;
  ASSERT_TRUE(RunUntil([&] {
    if (first_send() == SteadyTime::max() || clock_.Now() - first_send() < 2500ms) return false;
    sent_meanwhile = api_.accepted();
    faulty_->DelayCalls(clock_, 0ms);  // the database is back
    return true;
  }));
  // 2.5 s at 100/s would be 250; the first write, due 10 ms after the
  // first send, hangs and holds the sends back after 250 ms.
  EXPECT_LE(sent_meanwhile, 40u);
  EXPECT_GE(sent_meanwhile, 10u);
  // Once writes hold again, every message goes once.
  ASSERT_TRUE(RunUntil(
      [&] { return api_.accepted() == 200u && Await(store_->PendingMessages("default")).value() == 0; },
      30s));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(api_.Accepted(1000 + i).size(), 1u) << i;
}

}  // namespace
}  // namespace tgate::dispatch
