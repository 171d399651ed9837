#include "dispatch/queue_loader.h"

#include <gtest/gtest.h>

#include "dispatch/queue_test_util.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

TEST(MakeAdmission, TheDeadlineIsMaxQueueAgeFromAcceptanceOrTheSitesTtlIfSooner) {
  const SteadyTime now{1h};
  const int64_t wall_ms = 1'000'000'000;
  store::Message m;
  m.id = 7;
  m.chat_id = 42;
  m.text = "hi";
  m.created_at = wall_ms / 1000 - 10;
  Admission a = MakeAdmission(m, now, wall_ms, 60s);
  EXPECT_EQ(a.loaded.deadline_ms, wall_ms + 50'000);
  EXPECT_FALSE(a.loaded.deadline_is_ttl);
  EXPECT_EQ(a.job.id, 7);
  EXPECT_EQ(a.job.chat_id, 42);
  EXPECT_EQ(a.job.not_before, SteadyTime{});  // due now

  m.expires_at_ms = wall_ms + 20'000;
  a = MakeAdmission(m, now, wall_ms, 60s);
  EXPECT_EQ(a.loaded.deadline_ms, wall_ms + 20'000);
  EXPECT_TRUE(a.loaded.deadline_is_ttl);
}

TEST(MakeAdmission, AMessageDueLaterWaitsOnTheSteadyClockAndAgesFromWhenItIsDue) {
  const SteadyTime now{1h};
  const int64_t wall_ms = 1'000'000'000;
  store::Message m;
  m.created_at = wall_ms / 1000;
  m.not_before_ms = wall_ms + 3'000;  // a spread broadcast's
  m.parts_sent = 1;
  m.priority = store::Priority::kBroadcast;
  m.broadcast_id = 3;
  m.paid = true;
  Admission a = MakeAdmission(m, now, wall_ms, 60s);
  EXPECT_EQ(a.job.not_before, now + 3s);
  EXPECT_EQ(a.loaded.deadline_ms, wall_ms + 3'000 + 60'000);
  EXPECT_EQ(a.job.parts_sent, 1);
  EXPECT_EQ(a.job.priority, store::Priority::kBroadcast);
  EXPECT_EQ(a.job.broadcast_id, 3);
  EXPECT_TRUE(a.job.paid);
}

TEST(MakeAdmission, LongPlainTextIsSplitAndFormattedTextIsNot) {
  store::Message m;
  m.text = std::string(5000, 'a');
  m.options_json = R"({"disable_notification":true})";
  Admission a = MakeAdmission(m, SteadyTime{}, 0, 60s);
  EXPECT_EQ(a.loaded.parts.size(), 2u);
  EXPECT_TRUE(a.loaded.params.at("disable_notification").as_bool());

  m.options_json = R"({"parse_mode":"HTML"})";
  a = MakeAdmission(m, SteadyTime{}, 0, 60s);
  EXPECT_EQ(a.loaded.parts.size(), 1u);
}

class QueueLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);
    ASSERT_TRUE(store_);
  }
  void MakeLoader(size_t load_window) {
    loader_ = std::make_unique<QueueLoader>(
        *store_, *store_, clock_, held_, QueueLoaderOptions{"default", load_window, 86400s},
        [this](const Job& job, Loaded& m, SteadyTime now, int64_t) -> Awaitable<void> {
          EXPECT_EQ(m.message.id, job.id);
          EXPECT_EQ(now, clock_.Now());
          admitted_.push_back(job.id);
          co_return;
        });
  }
  int64_t Enqueue(int64_t chat) { return testing::QueueDirect(*store_, chat); }
  // A broadcast to `users` new users, spread over `spread_seconds`.
  void Broadcast(int users, int64_t spread_seconds = 0) {
    store::NewBroadcast b;
    b.bot = "default";
    b.text = "news";
    b.options_json = "{}";
    b.spread_seconds = spread_seconds;
    for (int i = 0; i < users; ++i) {
      const std::string user = "u" + std::to_string(next_user_);
      ASSERT_OK(Await(store_->Bind({"default", user, 1000 + next_user_, store::UserStatus::kActive, 0})));
      b.users.push_back(user);
      ++next_user_;
    }
    ASSERT_OK(Await(store_->CreateBroadcast(b, testing::WallMs(clock_))));
  }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  LoadedMessages held_;
  std::unique_ptr<QueueLoader> loader_;
  std::vector<int64_t> admitted_;
  int next_user_ = 1;
};

TEST_F(QueueLoaderTest, OneToOneMessagesAreLoadedOnceEachAfterTheCursor) {
  MakeLoader(100);
  const int64_t a = Enqueue(1), b = Enqueue(2);
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_, (std::vector<int64_t>{a, b}));
  EXPECT_EQ(held_.size(), 2u);

  held_.Erase(a);  // finished: its outcome is not yet written, it is still queued in the store
  const int64_t c = Enqueue(3);
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_, (std::vector<int64_t>{a, b, c}));
}

TEST_F(QueueLoaderTest, OneToOneMessagesAreLoadedWhenAnnouncedOrEveryFiveSeconds) {
  MakeLoader(100);
  EXPECT_TRUE(loader_->DirectDue(clock_.Now()));  // at the start
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_FALSE(loader_->DirectDue(clock_.Now()));
  EXPECT_EQ(loader_->next_reload(), clock_.Now() + 5s);
  EXPECT_TRUE(loader_->DirectDue(clock_.Now() + 5s));

  loader_->Notify();
  EXPECT_TRUE(loader_->DirectDue(clock_.Now()));
}

TEST_F(QueueLoaderTest, BroadcastsFillTheWindowAndAreLoadedAgainWhenHalfOfItIsGone) {
  MakeLoader(4);
  Broadcast(6);
  EXPECT_TRUE(loader_->BroadcastsDue(true));  // a reload with the window empty
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(held_.broadcasts(), 4u);
  EXPECT_FALSE(loader_->BroadcastsDue(true));
  EXPECT_FALSE(loader_->BroadcastsDue(false));

  held_.Erase(admitted_[0]);
  held_.Erase(admitted_[1]);
  EXPECT_FALSE(loader_->BroadcastsDue(false));  // half is still held
  held_.Erase(admitted_[2]);
  EXPECT_TRUE(loader_->BroadcastsDue(false));

  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(admitted_.size(), 6u);  // the last two, after the cursor
  EXPECT_EQ(held_.broadcasts(), 3u);
}

// The site API announces each accepted message: loading it must not read
// the running broadcasts too (a read per message). A Notify, a failed load or
// the periodic reload looks at them again.
TEST_F(QueueLoaderTest, AOneToOneMessageAloneDoesNotLookAtTheBroadcasts) {
  MakeLoader(4);
  Await(loader_->LoadDirect(clock_.Now()));
  ASSERT_TRUE(loader_->BroadcastsDue(true));
  Await(loader_->LoadBroadcasts(clock_.Now()));  // none yet

  Broadcast(2);  // unannounced
  loader_->NotifyOneToOne();
  const int64_t a = Enqueue(1);
  ASSERT_TRUE(loader_->DirectDue(clock_.Now()));
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_, (std::vector<int64_t>{a}));
  EXPECT_FALSE(loader_->BroadcastsDue(true));

  loader_->Notify();
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_TRUE(loader_->BroadcastsDue(true));
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(held_.broadcasts(), 2u);

  held_.Erase(admitted_[1]);  // half of what the last load held is still held
  Broadcast(1);
  EXPECT_FALSE(loader_->BroadcastsDue(true));  // and nothing announced the new one
  clock_.Advance(5s);                          // the periodic reload
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_TRUE(loader_->BroadcastsDue(true));
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(held_.broadcasts(), 2u);
}

TEST_F(QueueLoaderTest, ASpreadBroadcastIsLoadedAMinuteAhead) {
  MakeLoader(100);
  Broadcast(3, 3600);  // one every 20 minutes
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(admitted_.size(), 1u);

  clock_.Advance(20min);
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(admitted_.size(), 2u);
}

}  // namespace
}  // namespace tgate::dispatch
