#include "dispatch/outcome_writer.h"

#include <gtest/gtest.h>

#include "dispatch/queue_test_util.h"
#include "store/faulty_store_test_util.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

SchedulerLimits FastLimits() {
  SchedulerLimits l;
  l.global_per_sec = 1000;
  l.chat_per_sec = 1000;
  l.group_per_min = 60000;
  return l;
}

class OutcomeWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);
    ASSERT_TRUE(store_);
    writer_ = std::make_unique<OutcomeWriter>(*store_, clock_, scheduler_,
                                              OutcomeWriterOptions{"default", 10ms, [this] { ++woken_; }});
  }

  // A queued one-to-one message to `chat`, as the dispatcher holds it.
  std::pair<Job, Loaded> Queue(int64_t chat, const std::string& user = "") {
    const int64_t id = testing::QueueDirect(*store_, chat, user);
    Loaded m;
    m.message = *Await(store_->GetMessage(id));
    m.content = MakeContent({"hi"}, {});
    Job job;
    job.id = id;
    job.chat_id = chat;
    return {job, m};
  }
  std::vector<std::string> Events() {
    auto due = Await(store_->DueEvents(INT64_MAX, 100));
    EXPECT_OK(due);
    std::vector<std::string> types;
    for (const auto& e : *due) types.push_back(boost::json::parse(e.payload).at("type").as_string().c_str());
    return types;
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  Scheduler scheduler_{FastLimits()};
  int woken_ = 0;
  std::unique_ptr<OutcomeWriter> writer_;
};

TEST_F(OutcomeWriterTest, FinishedMessagesAreWrittenWithTheirEventsAtTheFlush) {
  auto [job, m] = Queue(42, "alice");
  m.message.attempts = 2;
  m.first_telegram_id = 777;
  writer_->Finish(job, m, store::MessageStatus::kSent, "");
  EXPECT_TRUE(writer_->has_completions());
  EXPECT_EQ(writer_->flush_due(), clock_.Now() + 10ms);
  EXPECT_EQ(Await(store_->GetMessage(job.id))->status, store::MessageStatus::kQueued);  // not yet written
  EXPECT_EQ(woken_, 0);

  Await(writer_->Flush());
  EXPECT_FALSE(writer_->has_completions());
  auto stored = Await(store_->GetMessage(job.id));
  EXPECT_EQ(stored->status, store::MessageStatus::kSent);
  EXPECT_EQ(stored->attempts, 2);
  EXPECT_EQ(stored->telegram_message_id, 777);
  EXPECT_EQ(Events(), std::vector<std::string>{"message.sent"});
  EXPECT_EQ(woken_, 1);
}

TEST_F(OutcomeWriterTest, ProgressKeepsTheMessageQueuedWithItsWait) {
  auto [job, m] = Queue(42);
  job.parts_sent = 1;
  const int64_t not_before = 1767225600000 + 5000;
  writer_->Progress(job, m, not_before);
  Await(writer_->Flush());
  auto stored = Await(store_->GetMessage(job.id));
  EXPECT_EQ(stored->status, store::MessageStatus::kQueued);
  EXPECT_EQ(stored->parts_sent, 1);
  EXPECT_EQ(stored->not_before_ms, not_before);
  EXPECT_TRUE(Events().empty());  // no event for progress
  EXPECT_EQ(woken_, 0);           // nothing for the events sender
}

TEST_F(OutcomeWriterTest, FailedOneToOneMessageEmitsItsError) {
  auto [job, m] = Queue(42, "bob");
  writer_->Finish(job, m, store::MessageStatus::kFailed, "Bad Request: chat not found");
  Await(writer_->Flush());
  EXPECT_EQ(Await(store_->GetMessage(job.id))->error, "Bad Request: chat not found");
  auto due = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_EQ(due->size(), 1u);
  auto ev = boost::json::parse((*due)[0].payload).as_object();
  EXPECT_EQ(ev.at("type").as_string(), "message.failed");
  EXPECT_EQ(ev.at("user").as_string(), "bob");
  EXPECT_EQ(ev.at("bot").as_string(), "default");
  EXPECT_EQ(ev.at("error").as_string(), "Bad Request: chat not found");
}

TEST_F(OutcomeWriterTest, AGroupWaitsForItsOutcomeToBeWrittenBeforeItsNextSend) {
  auto [first, m] = Queue(-100);
  auto [second, m2] = Queue(-100);
  scheduler_.Add(first);
  scheduler_.Add(second);
  ASSERT_TRUE(scheduler_.Next(clock_.Now()));
  writer_->Finish(first, m, store::MessageStatus::kSent, "");
  writer_->ChatDone(-100, clock_.Now());
  EXPECT_EQ(writer_->flush_due(), clock_.Now());  // the flush is due at once
  clock_.Advance(1s);
  EXPECT_FALSE(scheduler_.Next(clock_.Now()));  // still in flight: its outcome is not written

  Await(writer_->Flush());
  auto next = scheduler_.Next(clock_.Now());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, second.id);
}

TEST_F(OutcomeWriterTest, APrivateChatIsReleasedAtOnce) {
  auto [first, m] = Queue(100);
  auto [second, m2] = Queue(100);
  scheduler_.Add(first);
  scheduler_.Add(second);
  ASSERT_TRUE(scheduler_.Next(clock_.Now()));
  writer_->Finish(first, m, store::MessageStatus::kSent, "");
  writer_->ChatDone(100, clock_.Now());
  clock_.Advance(1s);
  auto next = scheduler_.Next(clock_.Now());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, second.id);
}

// Past kFlushAtOnce (512) completions the flush is due at once, not at the
// end of the interval; Finish itself never waits for the store (the
// Dispatcher's loop starts the flush at its next pass).
TEST_F(OutcomeWriterTest, ManyCompletionsMakeTheFlushDueWithoutWaitingForTheInterval) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 511; ++i) {
    auto [job, m] = Queue(1000 + i);
    ids.push_back(job.id);
    writer_->Finish(job, m, store::MessageStatus::kSent, "");
  }
  EXPECT_EQ(writer_->flush_due(), clock_.Now() + 10ms);
  auto [last, m] = Queue(2000);
  ids.push_back(last.id);
  writer_->Finish(last, m, store::MessageStatus::kSent, "");
  EXPECT_EQ(writer_->flush_due(), clock_.Now()) << "the 512th makes it due";
  EXPECT_EQ(Await(store_->GetMessage(ids.back()))->status, store::MessageStatus::kQueued)
      << "not written yet";
  Await(writer_->Flush());
  EXPECT_FALSE(writer_->has_completions());
  EXPECT_EQ(Await(store_->GetMessage(ids.front()))->status, store::MessageStatus::kSent);
  EXPECT_EQ(Await(store_->GetMessage(ids.back()))->status, store::MessageStatus::kSent);
}

// After a failed write, a full batch does not bring its retry forward: the
// store is given its second.
TEST_F(OutcomeWriterTest, AFullBatchDoesNotHurryTheRetryOfAFailedWrite) {
  store::testing::FaultyStore failing(*store_);
  OutcomeWriter writer(failing, clock_, scheduler_, {"default", 10ms, nullptr});
  auto [first, m1] = Queue(1);
  writer.Finish(first, m1, store::MessageStatus::kSent, "");
  failing.FailNext("WriteOutcomes", Status::Unavailable("database is locked"));
  Await(writer.Flush());
  ASSERT_TRUE(writer.failing());
  const SteadyTime retry = writer.flush_due();
  EXPECT_EQ(retry, clock_.Now() + 1s);
  for (int i = 0; i < 600; ++i) {
    auto [job, m] = Queue(1000 + i);
    writer.Finish(job, m, store::MessageStatus::kSent, "");
  }
  EXPECT_EQ(writer.flush_due(), retry);
  clock_.Advance(1s);
  Await(writer.Flush());
  EXPECT_FALSE(writer.failing());
  EXPECT_FALSE(writer.has_completions());
  EXPECT_EQ(Await(store_->GetMessage(first.id))->status, store::MessageStatus::kSent);
}

// With a store whose calls suspend (as PostgreSQL's do), what is batched
// while a flush writes is not lost: it waits for the next flush, and a Flush
// called meanwhile does not write it alongside (one write at a time).
TEST_F(OutcomeWriterTest, WhatIsBatchedWhileTheStoreWritesWaitsForTheNextFlush) {
  store::testing::FaultyStore suspending(*store_);
  asio::io_context io;
  suspending.SuspendCalls(io.get_executor());
  OutcomeWriter writer(suspending, clock_, scheduler_, {"default", 10ms, [this] { ++woken_; }});
  auto [first, m1] = Queue(1);
  auto [second, m2] = Queue(2);
  // Named locals for the lambda below: clang 14 cannot capture a structured binding.
  const auto second_id = second;
  const auto second_message = m2;
  writer.Finish(first, m1, store::MessageStatus::kSent, "");
  // The flush starts first and suspends in the store; the second message is
  // finished (and flushed again) meanwhile.
  bool flushed = false;
  bool second_batched = false;
  asio::co_spawn(io, writer.Flush(), [&](std::exception_ptr) { flushed = true; });
  asio::co_spawn(
      io,
      [&]() -> Awaitable<void> {
        EXPECT_FALSE(flushed);
        writer.Finish(second_id, second_message, store::MessageStatus::kSent, "");
        co_await writer.Flush();  // one is under way: returns at once
        second_batched = writer.has_completions();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  ASSERT_TRUE(flushed);
  EXPECT_TRUE(second_batched) << "the second waited for the next flush";
  EXPECT_EQ(Await(store_->GetMessage(first.id))->status, store::MessageStatus::kSent);
  EXPECT_EQ(Await(store_->GetMessage(second.id))->status, store::MessageStatus::kQueued);
  EXPECT_TRUE(writer.has_completions());
  EXPECT_EQ(suspending.calls("WriteOutcomes"), 1);
  tgate::testing::RunAwait(io, writer.Flush());
  EXPECT_FALSE(writer.has_completions());
  EXPECT_EQ(Await(store_->GetMessage(second.id))->status, store::MessageStatus::kSent);
}

}  // namespace
}  // namespace tgate::dispatch
