#include "dispatch/outage_gate.h"

#include <gtest/gtest.h>

#include "dispatch/queue_test_util.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;
using Route = OutageGate::Route;

class OutageGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);
    ASSERT_TRUE(store_);
    gate_ = std::make_unique<OutageGate>(*store_, OutageGateOptions{});
  }
  // Message `id` to chat `id` goes out: it is held, with its ticket.
  Job Send(int64_t id) {
    Loaded m;
    m.message.id = id;
    m.message.chat_id = id;
    m.ticket = gate_->Ticket();
    held_.Insert(std::move(m));
    Job job;
    job.id = id;
    job.chat_id = id;
    return job;
  }
  Route Answer(const Job& job, const telegram::ApiResult& r) {
    const Loaded* m = held_.Find(job.id);
    return gate_->OnAnswer(job, r, m ? m->ticket : 0, m != nullptr);
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  LoadedMessages held_;
  std::unique_ptr<OutageGate> gate_;
  const telegram::ApiResult ok_ = telegram::Classify(200, R"({"ok":true,"result":{}})");
  const telegram::ApiResult refused_ =
      telegram::Classify(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})");
  const telegram::ApiResult down_ = telegram::NetworkFailure("connection refused");
  const telegram::ApiResult bad_gateway_ = telegram::Classify(502, "<html>502 Bad Gateway</html>");
};

TEST_F(OutageGateTest, TelegramsOwnAnswersCountEvenRefusals) {
  EXPECT_EQ(Answer(Send(1), ok_), Route::kCounts);
  EXPECT_EQ(Answer(Send(2), refused_), Route::kCounts);
  EXPECT_FALSE(gate_->ProbeDue(clock_.Now()));
}

TEST_F(OutageGateTest, AFailureWithNothingAnsweredAfterItIsHeldForAProbe) {
  EXPECT_EQ(Answer(Send(1), down_), Route::kHeld);
  EXPECT_TRUE(gate_->ProbeDue(clock_.Now()));
  EXPECT_FALSE(gate_->active());  // not yet: the probe says
}

TEST_F(OutageGateTest, AFailureAfterALaterSendWasAnsweredIsTheMessagesOwn) {
  const Job first = Send(1);
  const Job second = Send(2);
  EXPECT_EQ(Answer(second, ok_), Route::kCounts);
  EXPECT_EQ(Answer(first, bad_gateway_), Route::kCounts);
}

TEST_F(OutageGateTest, AFailureOfACancelledMessageCounts) {
  const Job job = Send(1);
  held_.Erase(1);
  EXPECT_EQ(Answer(job, down_), Route::kCounts);
}

TEST_F(OutageGateTest, AnAnsweredProbeReleasesTheHeldFailureAsTheMessagesOwn) {
  const Job job = Send(1);
  ASSERT_EQ(Answer(job, down_), Route::kHeld);
  gate_->ProbeSent(clock_.Now());
  auto released = Await(gate_->OnProbe(true, "", clock_.Now(), held_));
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].job.id, 1);
  EXPECT_EQ(released[0].route, Route::kCounts);
  EXPECT_EQ(released[0].answer.kind, telegram::ErrorKind::kNetwork);
  EXPECT_FALSE(gate_->active());
}

TEST_F(OutageGateTest, AFailedProbeStartsAnOutageAndReturnsEveryFailureUnspent) {
  ASSERT_EQ(Answer(Send(1), down_), Route::kHeld);
  gate_->ProbeSent(clock_.Now());
  auto released = Await(gate_->OnProbe(false, "connection refused", clock_.Now(), held_));
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].route, Route::kUnspent);
  EXPECT_TRUE(gate_->active());
  EXPECT_EQ(Answer(Send(2), down_), Route::kUnspent);

  clock_.Advance(3s);
  ASSERT_TRUE(gate_->ProbeDue(clock_.Now()));
  gate_->ProbeSent(clock_.Now());
  EXPECT_TRUE(Await(gate_->OnProbe(true, "", clock_.Now(), held_)).empty());
  EXPECT_FALSE(gate_->active());
  EXPECT_EQ(gate_->total(clock_.Now()), 3s);
}

TEST_F(OutageGateTest, AFailureSentAfterTheProbeStaysHeldForTheNextOne) {
  const Job before = Send(1);
  ASSERT_EQ(Answer(before, down_), Route::kHeld);
  gate_->ProbeSent(clock_.Now());
  const Job after = Send(2);  // left after the probe: the probe says nothing of it
  ASSERT_EQ(Answer(after, down_), Route::kHeld);
  auto released = Await(gate_->OnProbe(true, "", clock_.Now(), held_));
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].job.id, 1);
  EXPECT_TRUE(gate_->ProbeDue(clock_.Now()));  // another probe, for the second
}

}  // namespace
}  // namespace tgate::dispatch
