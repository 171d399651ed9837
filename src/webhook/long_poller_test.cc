// LongPoller: takes what getUpdates answers in (one transaction per answer,
// each update processed in it where the bot's processor runs, else stored
// pending and the processor woken); and its lifetime (core/lifetime.h): destroyed while a getUpdates is under
// way, without Stop(), it ignores the answer and touches nothing after (the ASan build reports a use of the
// freed poller).
#include "webhook/long_poller.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "link/linker.h"
#include "store/faulty_store_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "telegram/api_result.h"

namespace tgate::webhook {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

// A Bot API whose getUpdates answers only when the test releases it, with
// `per_answer` updates (ids from the offset asked for).
class HeldBotApi final : public telegram::BotApi {
 public:
  explicit HeldBotApi(asio::any_io_executor executor)
      : gate_(executor, asio::steady_timer::time_point::max()) {}

  Awaitable<telegram::ApiResult> Call(std::string method, boost::json::object params,
                                      std::chrono::milliseconds, telegram::ResultUse) override {
    ++calls_;
    int64_t offset = params.contains("offset") ? params.at("offset").as_int64() : 1;
    co_await gate_.async_wait(kAsTuple);
    std::string updates;
    for (int64_t id = offset; id < offset + per_answer; ++id) {
      const std::string chat = id == odd_id ? R"("x")" : "5";  // "x": not understood here
      updates += (updates.empty() ? "" : ",") + std::string(R"({"update_id":)") + std::to_string(id) +
                 R"(,"message":{"message_id":1,"date":1,"chat":{"id":)" + chat +
                 R"(,"type":"private"},"text":"hi"}})";
    }
    co_return telegram::Classify(200, R"({"ok":true,"result":[)" + updates + "]}");
  }
  Awaitable<telegram::ApiResult> CallMultipart(std::string, std::vector<telegram::FormPart>) override {
    co_return telegram::NetworkFailure("not scripted");
  }

  // Answers the getUpdates under way.
  void Release() { gate_.cancel(); }
  int calls() const { return calls_; }
  int per_answer = 1;
  int64_t odd_id = 0;  // this update's chat has no integer id

 private:
  asio::steady_timer gate_;
  int calls_ = 0;
};

class LongPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    poller_ = std::make_unique<LongPoller>(io_.get_executor(), api_, *faulty_, LongPollerOptions{"default"},
                                           nullptr, [this] { ++woken_; });
  }
  size_t Pending() { return Await(store_->PendingUpdates("default", 10))->size(); }

  // The bot's processor here, and a poller that hands it the answers.
  UpdateProcessor& ProcessHere(std::function<void()> events_woken = [] {}) {
    linker_ = std::make_unique<link::Linker>(*faulty_, clock_);
    processor_ =
        std::make_unique<UpdateProcessor>(io_.get_executor(), *faulty_, *linker_, clock_,
                                          ProcessorOptions{"default", "my_bot", "Welcome!", "Expired."},
                                          ProcessorWakeUps{[] {}, std::move(events_woken)});
    poller_ = std::make_unique<LongPoller>(io_.get_executor(), api_, *faulty_, LongPollerOptions{"default"},
                                           processor_.get(), [this] { ++woken_; });
    return *processor_;
  }

  asio::io_context io_;
  HeldBotApi api_{io_.get_executor()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  FakeClock clock_;
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<UpdateProcessor> processor_;
  std::unique_ptr<LongPoller> poller_;  // after the processor: destroyed first
  int woken_ = 0;
};

TEST_F(LongPollerTest, WithoutAProcessorStoresWhatGetUpdatesAnswersPendingAndPollsOnFromTheNextOffset) {
  poller_->Start();
  io_.poll();
  ASSERT_EQ(api_.calls(), 1);
  api_.Release();
  io_.poll();  // update 1 stored; the next getUpdates asks for offset 2
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 1);
  EXPECT_EQ(Pending(), 1u) << "for the processor's loop";
  EXPECT_EQ(woken_, 1);
  EXPECT_EQ(api_.calls(), 2);
  poller_->Stop();
  api_.Release();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 1);  // the answer after Stop() is ignored
  EXPECT_EQ(woken_, 1);
}

TEST_F(LongPollerTest, DestroyingThePollerWhileGetUpdatesIsUnderWayIgnoresTheAnswer) {
  poller_->Start();
  io_.poll();
  ASSERT_EQ(api_.calls(), 1);  // suspended in getUpdates
  poller_.reset();             // no Stop()
  api_.Release();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());  // the loop returned
  EXPECT_EQ(api_.calls(), 1);
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 0);  // nothing stored after
  EXPECT_EQ(woken_, 0);
}

// With the bot's processor here, an answer's updates are stored and acted on
// in one transaction (as the webhook's, update_intake.h): nothing is left for
// the processor's loop, and Telegram's offset moves past them only after.
TEST_F(LongPollerTest, AnAnswersUpdatesAreProcessedInTheOneTransactionThatStoresThem) {
  int events_woken = 0;
  ProcessHere([&] { ++events_woken; });
  api_.per_answer = 3;
  const int commits = faulty_->commits();
  poller_->Start();
  io_.poll();
  ASSERT_EQ(api_.calls(), 1);
  api_.Release();
  io_.poll();
  EXPECT_EQ(faulty_->commits() - commits, 1) << "the answer's three updates, stored and processed together";
  EXPECT_EQ(Pending(), 0u);
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 3u) << "each forwarded once";
  EXPECT_EQ(events_woken, 1) << "the events sender, once for the commit";
  EXPECT_EQ(woken_, 0) << "nothing left for the processor's loop";
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 3);
  EXPECT_EQ(api_.calls(), 2) << "the next getUpdates confirms them (offset 4)";
  poller_.reset();
  api_.Release();
  io_.run_for(5s);
}

// An update not understood here goes pending, with the bot's later ones
// behind it, and the ones before it are processed on receipt: the answer's
// updates are stored in one call all the same (one round trip on
// PostgreSQL). The loop then takes the rest in order, setting aside the one
// it cannot process.
TEST_F(LongPollerTest, AnAnswerPartlyProcessedOnReceiptIsStoredInOneCall) {
  UpdateProcessor& processor = ProcessHere();
  api_.per_answer = 3;
  api_.odd_id = 2;
  poller_->Start();
  io_.poll();
  api_.Release();
  io_.poll();
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 1);
  EXPECT_EQ(faulty_->calls("InsertUpdate"), 0);
  EXPECT_EQ(Await(store_->DueEvents(INT64_MAX, 10))->size(), 1u) << "update 1, on receipt";
  EXPECT_EQ(Pending(), 2u);
  EXPECT_EQ(woken_, 1);
  EXPECT_OK(Await(processor.Drain()));
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Await(store_->DueEvents(INT64_MAX, 10))->size(), 2u) << "update 3, by the loop";
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 1);
  poller_.reset();
  api_.Release();
  io_.run_for(5s);
}

// An update that fails to be processed on receipt is stored pending with the
// ones behind it, for the loop, in order; the answer is still confirmed.
TEST_F(LongPollerTest, AnUpdateThatFailsOnReceiptIsLeftPendingWithTheOnesBehindIt) {
  UpdateProcessor& processor = ProcessHere();
  api_.per_answer = 3;
  // Down for both tries: the batch without savepoints, then each update in one.
  faulty_->FailNext("AddEvent", Status::Unavailable("the outbox is down"), 2);
  poller_->Start();
  io_.poll();
  api_.Release();
  io_.poll();
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 0u);
  EXPECT_EQ(Pending(), 3u) << "the first failed; the two behind it wait for it";
  EXPECT_EQ(woken_, 1);
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 3);
  EXPECT_OK(Await(processor.Drain()));
  EXPECT_EQ(Pending(), 0u);
  events = Await(store_->DueEvents(INT64_MAX, 10));
  EXPECT_EQ(events->size(), 3u) << "processed by the loop, in order";
  poller_.reset();
  api_.Release();
  io_.run_for(5s);
}

}  // namespace
}  // namespace tgate::webhook
