// LongPoller: stores what getUpdates answers and wakes the processor; and its
// lifetime (core/lifetime.h): destroyed while a getUpdates is under way,
// without Stop(), it ignores the answer and touches nothing after (the ASan
// build reports a use of the freed poller).
#include "webhook/long_poller.h"

#include <gtest/gtest.h>

#include "core/testing.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "telegram/api_result.h"

namespace tgate::webhook {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

// A Bot API whose getUpdates answers only when the test releases it, with one
// update (id 1 above the offset asked for).
class HeldBotApi final : public telegram::BotApi {
 public:
  explicit HeldBotApi(asio::any_io_executor executor)
      : gate_(executor, asio::steady_timer::time_point::max()) {}

  Awaitable<telegram::ApiResult> Call(std::string method, boost::json::object params,
                                      std::chrono::milliseconds) override {
    ++calls_;
    int64_t offset = params.contains("offset") ? params.at("offset").as_int64() : 1;
    co_await gate_.async_wait(kAsTuple);
    co_return telegram::Classify(
        200, R"({"ok":true,"result":[{"update_id":)" + std::to_string(offset) +
                 R"(,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"hi"}}]})");
  }
  Awaitable<telegram::ApiResult> CallMultipart(std::string, std::vector<telegram::FormPart>) override {
    co_return telegram::NetworkFailure("not scripted");
  }

  // Answers the getUpdates under way.
  void Release() { gate_.cancel(); }
  int calls() const { return calls_; }

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
    poller_ = std::make_unique<LongPoller>(io_.get_executor(), api_, *store_, LongPollerOptions{"default"},
                                           [this] { ++woken_; });
  }

  asio::io_context io_;
  HeldBotApi api_{io_.get_executor()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<LongPoller> poller_;
  int woken_ = 0;
};

TEST_F(LongPollerTest, StoresWhatGetUpdatesAnswersAndPollsOnFromTheNextOffset) {
  poller_->Start();
  io_.poll();
  ASSERT_EQ(api_.calls(), 1);
  api_.Release();
  io_.poll();  // update 1 stored; the next getUpdates asks for offset 2
  EXPECT_EQ(Await(store_->MaxUpdateId("default")).value(), 1);
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

}  // namespace
}  // namespace tgate::webhook
