// Pruner: a round deletes what is finished and older than the retention, in
// batches that let other io work run between them, and warns of the events
// it drops; retention 0 keeps messages, broadcasts and events forever. Time is a FakeClock shared with the
// store, which stamps the rows with it, so nothing sleeps for days.
#include "app/pruner.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <vector>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::app {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

class PrunerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions so;
    so.path = ":memory:";
    so.clock = &clock_;
    auto s = store::Store::Open(so);
    ASSERT_OK(s);
    store_ = std::move(*s);
    options_.pause = 1ms;
  }

  int64_t Enqueue(int64_t chat) {
    auto enqueued = Await(store_->Enqueue({"bot", "", chat, "hi", "{}", "", store::Priority::kDirect}));
    EXPECT_OK(enqueued);
    return enqueued.ok() ? enqueued->id : 0;
  }
  int64_t Sent(int64_t chat) {
    int64_t id = Enqueue(chat);
    EXPECT_OK(Await(store_->Complete({store::Completion{id, store::MessageStatus::kSent, 1, 1, 0, 7, ""}})));
    return id;
  }
  bool Exists(int64_t id) { return Await(store_->GetMessage(id)).ok(); }
  // Runs the Pruner's loop for its first round and returns what it logged
  // ("level: message" lines).
  std::string FirstRoundLog() {
    std::ostringstream log;
    auto previous = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("pruner_test",
                                                   std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    logger->set_pattern("%l: %v");
    spdlog::set_default_logger(logger);
    Pruner pruner(io_.get_executor(), *store_, clock_, options_);
    pruner.Start();
    asio::steady_timer check(io_, 50ms);
    check.async_wait([&](auto) { pruner.Stop(); });
    io_.run_for(5s);
    io_.restart();
    spdlog::set_default_logger(previous);
    spdlog::drop("pruner_test");
    return log.str();
  }
  int64_t NowMs() const { return clock_.UnixSeconds() * 1000; }
  // A broadcast to one linked user, its message sent now.
  int64_t SentBroadcast() {
    EXPECT_OK(Await(store_->Bind({"bot", "u1", 1, store::UserStatus::kActive, 100})));
    auto b = Await(store_->CreateBroadcast(
        {.bot = "bot", .users = {"u1"}, .text = "news", .options_json = "{}"}, NowMs()));
    EXPECT_OK(b);
    auto queued = Await(store_->LoadBroadcastQueued("bot", b->id, 0, INT64_MAX, 10));
    EXPECT_OK(queued);
    EXPECT_EQ(queued->size(), 1u);
    for (const store::Message& m : *queued) {
      EXPECT_OK(
          Await(store_->Complete({store::Completion{m.id, store::MessageStatus::kSent, 1, 1, 0, 7, ""}})));
    }
    return b->id;
  }
  size_t EventsLeft() { return Await(store_->DueEvents(INT64_MAX, 100)).value().size(); }

  // Spawns one round on io_; *out is set when it ends.
  void SpawnRound(Pruner& pruner, std::optional<Result<PruneCounts>>* out) {
    asio::co_spawn(
        io_, [&pruner, out]() -> Awaitable<void> { out->emplace(co_await pruner.Round()); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }
  // Runs one round to its end on io_.
  Result<PruneCounts> RunRound(Pruner& pruner) {
    std::optional<Result<PruneCounts>> out;
    SpawnRound(pruner, &out);
    io_.run_for(10s);
    io_.restart();
    if (!out) return Status::Internal("the round did not finish");
    return *out;
  }

  asio::io_context io_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  PrunerOptions options_;
};

TEST_F(PrunerTest, ARoundDeletesFinishedMessagesAndUpdatesOlderThanTheRetention) {
  const int64_t old_sent = Sent(1);
  const int64_t old_queued = Enqueue(2);
  ASSERT_TRUE(Await(store_->InsertUpdate({"bot", 1, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 1)));
  ASSERT_TRUE(Await(store_->InsertUpdate({"bot", 2, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 2)));
  ASSERT_OK(Await(store_->PutLinkToken({"tok", "bot", "42", clock_.UnixSeconds() + 900})));
  clock_.Advance(6 * 24h);
  const int64_t young_sent = Sent(3);
  clock_.Advance(2 * 24h);  // old ones are 8 days old, the young one 2

  Pruner pruner(io_.get_executor(), *store_, clock_, options_);
  auto counts = RunRound(pruner);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->messages, 1);
  EXPECT_EQ(counts->updates, 1);  // the bot's newest update stays
  EXPECT_EQ(counts->link_tokens, 1);
  EXPECT_FALSE(Exists(old_sent));
  EXPECT_TRUE(Exists(old_queued));
  EXPECT_TRUE(Exists(young_sent));
  EXPECT_TRUE(Await(store_->InsertUpdate({"bot", 1, "{}"})).value());
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 2);
}

TEST_F(PrunerTest, ARoundDropsOldEventsAndBroadcastsWhoseMessagesItPrunedFirst) {
  const int64_t old_broadcast = SentBroadcast();
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"user.linked"})", NowMs())));
  clock_.Advance(8 * 24h);
  const int64_t young_broadcast = SentBroadcast();
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"message.sent"})", NowMs())));

  Pruner pruner(io_.get_executor(), *store_, clock_, options_);
  auto counts = RunRound(pruner);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->messages, 1);
  EXPECT_EQ(counts->broadcasts, 1);  // its message went earlier in the same round
  EXPECT_EQ(counts->events, 1);
  EXPECT_TRUE(Await(store_->GetBroadcast(old_broadcast)).status().IsNotFound());
  EXPECT_OK(Await(store_->GetBroadcast(young_broadcast)));
  auto left = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].payload, R"({"type":"message.sent"})");
}

TEST_F(PrunerTest, RetentionZeroKeepsAllButExpiredLinkTokensForever) {
  const int64_t broadcast = SentBroadcast();
  ASSERT_OK(Await(store_->AddEvent("{}", NowMs())));
  const int64_t sent = Sent(1);
  ASSERT_TRUE(Await(store_->InsertUpdate({"bot", 1, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 1)));
  ASSERT_TRUE(Await(store_->InsertUpdate({"bot", 2, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 2)));
  ASSERT_OK(Await(store_->PutLinkToken({"tok", "bot", "42", clock_.UnixSeconds() + 900})));
  clock_.Advance(3650 * 24h);

  options_.retention = 0s;
  Pruner pruner(io_.get_executor(), *store_, clock_, options_);
  auto counts = RunRound(pruner);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->messages, 0);
  EXPECT_EQ(counts->updates, 0);
  EXPECT_EQ(counts->broadcasts, 0);
  EXPECT_EQ(counts->events, 0);
  EXPECT_EQ(counts->link_tokens, 1);  // expired tokens go whatever the retention
  EXPECT_TRUE(Exists(sent));
  EXPECT_OK(Await(store_->GetBroadcast(broadcast)));
  EXPECT_EQ(EventsLeft(), 1u);
  EXPECT_FALSE(Await(store_->InsertUpdate({"bot", 1, "{}"})).value());
}

TEST_F(PrunerTest, ARoundGoesInBatchesAndLetsOtherWorkRunBetweenThem) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Sent(10 + i));
  clock_.Advance(8 * 24h);

  options_.batch_rows = 2;
  Pruner pruner(io_.get_executor(), *store_, clock_, options_);
  std::optional<Result<PruneCounts>> out;
  std::optional<size_t> left_when_other_work_ran;
  SpawnRound(pruner, &out);
  // Queued behind the round's first batch: runs in the pause after it.
  asio::post(io_, [&] {
    size_t left = 0;
    for (int64_t id : ids) left += Exists(id);
    left_when_other_work_ran = left;
  });
  io_.run_for(10s);
  ASSERT_TRUE(out.has_value());
  ASSERT_OK(*out);
  EXPECT_EQ((*out)->messages, 7);
  ASSERT_TRUE(left_when_other_work_ran.has_value());
  EXPECT_EQ(*left_when_other_work_ran, 5u);  // one batch of two was done
  for (int64_t id : ids) EXPECT_FALSE(Exists(id));
}

TEST_F(PrunerTest, StartRunsARoundAtOnceAndStopEndsTheLoop) {
  const int64_t sent = Sent(1);
  clock_.Advance(8 * 24h);
  Pruner pruner(io_.get_executor(), *store_, clock_, options_);
  pruner.Start();
  asio::steady_timer check(io_, 50ms);
  check.async_wait([&](auto) { pruner.Stop(); });
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());  // Stop ended the loop: no work was left
  EXPECT_FALSE(Exists(sent));
}

// Lifetimes (core/lifetime.h): destroying the Pruner, without Stop(), ends
// its loop and any round under way, which touch nothing of it after (the ASan
// build reports a use of the freed Pruner).
TEST_F(PrunerTest, DestroyingThePrunerWhileItsLoopSleepsEndsTheLoop) {
  auto pruner = std::make_unique<Pruner>(io_.get_executor(), *store_, clock_, options_);
  pruner->Start();
  io_.poll();  // the first round (nothing to prune); the loop sleeps 5 min
  const int64_t sent = Sent(1);
  clock_.Advance(8 * 24h);
  pruner.reset();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
  EXPECT_TRUE(Exists(sent));  // no round after
}

TEST_F(PrunerTest, DestroyingThePrunerInTheMiddleOfARoundEndsTheRound) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(Sent(10 + i));
  clock_.Advance(8 * 24h);
  options_.batch_rows = 2;
  options_.pause = 1h;
  auto pruner = std::make_unique<Pruner>(io_.get_executor(), *store_, clock_, options_);
  std::optional<Result<PruneCounts>> out;
  SpawnRound(*pruner, &out);
  io_.poll();  // the first batch; the round pauses (an hour)
  ASSERT_FALSE(out.has_value());
  pruner.reset();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
  ASSERT_TRUE(out.has_value());  // the round ended with what it had done
  ASSERT_OK(*out);
  EXPECT_EQ((*out)->messages, 2);
  size_t left = 0;
  for (int64_t id : ids) left += Exists(id);
  EXPECT_EQ(left, 5u);  // no batch after
}

TEST_F(PrunerTest, TheLoopWarnsOfTheUndeliveredEventsItDropped) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(Await(store_->AddEvent("{}", NowMs())));
  clock_.Advance(8 * 24h);
  const std::string log = FirstRoundLog();
  EXPECT_EQ(EventsLeft(), 0u);
  EXPECT_NE(log.find("warning: dropped 3 undelivered events older than 7 days"), std::string::npos) << log;
}

TEST_F(PrunerTest, WithoutAnEventsUrlDroppingOldEventsIsNoWarning) {
  for (int i = 0; i < 2; ++i) ASSERT_OK(Await(store_->AddEvent("{}", NowMs())));
  clock_.Advance(8 * 24h);
  options_.events_taken = false;
  const std::string log = FirstRoundLog();
  EXPECT_EQ(EventsLeft(), 0u);
  EXPECT_NE(log.find("info: dropped 2 events older than 7 days (no events_url is set"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("warning"), std::string::npos) << log;
}

}  // namespace
}  // namespace tgate::app
