#include "dispatch/queue_loader.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

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
  EXPECT_EQ(a.loaded.parts().size(), 2u);
  EXPECT_TRUE(a.loaded.params().at("disable_notification").as_bool());

  m.options_json = R"({"parse_mode":"HTML"})";
  a = MakeAdmission(m, SteadyTime{}, 0, 60s);
  EXPECT_EQ(a.loaded.parts().size(), 1u);
}

TEST(MakeAdmission, ContentMadeBeforehandIsTheContentItWouldMake) {
  store::Message m;
  m.text = std::string(5000, 'b');
  m.options_json = R"({"protect_content":true})";
  auto content = ContentOf(m.text, m.options_json);
  Admission made_here = MakeAdmission(m, SteadyTime{}, 0, 60s);
  Admission given = MakeAdmission(m, SteadyTime{}, 0, 60s, content);
  EXPECT_EQ(given.loaded.content, content) << "shared, not copied";
  EXPECT_EQ(given.loaded.parts(), made_here.loaded.parts());
  EXPECT_EQ(given.loaded.parts().size(), 2u);
  EXPECT_EQ(given.loaded.params(), made_here.loaded.params());
  EXPECT_EQ(given.loaded.content->parts_json, made_here.loaded.content->parts_json);
  EXPECT_EQ(given.loaded.content->fields_json, R"("protect_content":true,)");
  // The text and options are the content's to keep, not each message's.
  EXPECT_TRUE(given.loaded.message.text.empty());
  EXPECT_TRUE(given.loaded.message.options_json.empty());
}

class QueueLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);
    ASSERT_TRUE(store_);
  }
  void MakeLoader(size_t load_window) {
    loader_ = std::make_unique<QueueLoader>(*store_, *store_, clock_, held_,
                                            QueueLoaderOptions{"default", load_window, 86400s},
                                            [this](const Job& job, Loaded& m, SteadyTime now, int64_t) {
                                              EXPECT_EQ(m.message.id, job.id);
                                              EXPECT_EQ(now, clock_.Now());
                                              admitted_.push_back(job.id);
                                            });
  }
  int64_t Enqueue(int64_t chat) { return testing::QueueDirect(*store_, chat); }
  // A broadcast to `users` new users, spread over `spread_seconds`.
  void Broadcast(int users, int64_t spread_seconds = 0, const std::string& text = "news",
                 const std::string& options_json = "{}") {
    store::NewBroadcast b;
    b.bot = "default";
    b.text = text;
    b.options_json = options_json;
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

TEST_F(QueueLoaderTest, OneToOneMessagesFillTheWindowAndAreLoadedAgainWhenHalfOfItIsGone) {
  MakeLoader(4);
  for (int64_t chat = 1; chat <= 7; ++chat) Enqueue(chat);
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_.size(), 4u);
  EXPECT_EQ(held_.directs(), 4u);
  // Full: neither an announcement nor the periodic reload loads more, and
  // the caller's loop is not woken for a reload.
  loader_->NotifyOneToOne();
  EXPECT_FALSE(loader_->DirectDue(clock_.Now() + 10s));
  EXPECT_EQ(loader_->next_reload(), SteadyTime::max());

  held_.Erase(admitted_[0]);
  held_.Erase(admitted_[1]);
  EXPECT_FALSE(loader_->DirectDue(clock_.Now()));  // half is still held
  held_.Erase(admitted_[2]);
  ASSERT_TRUE(loader_->DirectDue(clock_.Now()));
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_.size(), 7u);  // the other three, after the cursor
  EXPECT_EQ(held_.directs(), 4u);
}

// No one-to-one reload runs while their window is full: a broadcast
// announced meanwhile is loaded all the same (a paid one would go at once).
TEST_F(QueueLoaderTest, ABroadcastIsLoadedWhileTheOneToOneWindowIsFull) {
  MakeLoader(4);
  for (int64_t chat = 1; chat <= 4; ++chat) Enqueue(chat);
  Await(loader_->LoadDirect(clock_.Now()));
  ASSERT_TRUE(loader_->BroadcastsDue(true));
  Await(loader_->LoadBroadcasts(clock_.Now()));  // none yet
  EXPECT_FALSE(loader_->BroadcastsDue(false));

  Broadcast(2);
  loader_->Notify();
  EXPECT_FALSE(loader_->DirectDue(clock_.Now()));
  ASSERT_TRUE(loader_->BroadcastsDue(false));
  Await(loader_->LoadBroadcasts(clock_.Now()));
  EXPECT_EQ(held_.broadcasts(), 2u);
  EXPECT_FALSE(loader_->BroadcastsDue(false));
}

TEST_F(QueueLoaderTest, AFloodedChatIsParkedInOrderAndDoesNotHoldUpTheOthers) {
  MakeLoader(1000);
  const size_t share = loader_->ChatShare();
  std::vector<int64_t> flood;
  for (size_t i = 0; i < share + 10; ++i) flood.push_back(Enqueue(1));
  const int64_t other = Enqueue(2);
  Await(loader_->LoadDirect(clock_.Now()));
  std::vector<int64_t> expected(flood.begin(), flood.begin() + static_cast<ptrdiff_t>(share));
  expected.push_back(other);
  EXPECT_EQ(admitted_, expected);
  EXPECT_EQ(loader_->parked(), 10u);

  const int64_t later = Enqueue(1);  // behind the parked ones
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_.size(), share + 1) << "the chat holds its share: its newest is parked too";
  EXPECT_EQ(loader_->parked(), 11u);

  for (size_t i = 0; i < share / 2 - 1; ++i) held_.Erase(flood[i]);
  EXPECT_FALSE(loader_->DirectDue(clock_.Now())) << "more than half its share is still held";
  held_.Erase(flood[share / 2 - 1]);
  ASSERT_TRUE(loader_->DirectDue(clock_.Now()));
  Await(loader_->LoadDirect(clock_.Now()));
  expected.insert(expected.end(), flood.begin() + static_cast<ptrdiff_t>(share), flood.end());
  expected.push_back(later);
  EXPECT_EQ(admitted_, expected);
  EXPECT_EQ(loader_->parked(), 0u);
  EXPECT_FALSE(loader_->DirectDue(clock_.Now()));
}

TEST_F(QueueLoaderTest, AParkedMessageNoLongerQueuedIsLetGo) {
  MakeLoader(1000);
  const size_t share = loader_->ChatShare();
  std::vector<int64_t> flood;
  for (size_t i = 0; i < share + 2; ++i) flood.push_back(Enqueue(1));
  Await(loader_->LoadDirect(clock_.Now()));
  ASSERT_EQ(loader_->parked(), 2u);
  // Both parked ones got a final outcome meanwhile (written by an owner
  // before this one).
  ASSERT_OK(Await(store_->Complete(
      {store::Completion{flood[share], store::MessageStatus::kFailed, 1, 0, 0, 0, "chat not found"},
       store::Completion{flood[share + 1], store::MessageStatus::kFailed, 1, 0, 0, 0, "chat not found"}})));
  for (size_t i = 0; i < share; ++i) held_.Erase(flood[i]);
  ASSERT_TRUE(loader_->DirectDue(clock_.Now()));
  Await(loader_->LoadDirect(clock_.Now()));
  EXPECT_EQ(admitted_.size(), share);
  EXPECT_EQ(loader_->parked(), 0u);
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

// A broadcast's text is counted and cut, and its options read, once for its
// messages loaded one after another; each message still gets its own
// broadcast's, whichever was loaded before it.
TEST_F(QueueLoaderTest, EachBroadcastMessageIsLoadedWithItsOwnBroadcastsPartsAndFields) {
  MakeLoader(100);
  const std::string long_text = std::string(4000, 'x') + "\n\n" + std::string(3000, 'y');
  Broadcast(3, 0, long_text, R"({"disable_notification":true})");
  Broadcast(2, 0, "short", R"({"protect_content":true})");
  Broadcast(2, 0, long_text, R"({"parse_mode":"HTML"})");
  Await(loader_->LoadBroadcasts(clock_.Now()));
  ASSERT_EQ(admitted_.size(), 7u);
  std::map<int64_t, std::set<const Content*>> contents;  // by broadcast
  for (int64_t id : admitted_) {
    const Loaded* m = held_.Find(id);
    ASSERT_NE(m, nullptr);
    contents[m->message.broadcast_id].insert(m->content.get());
    if (m->params().contains("protect_content")) {
      EXPECT_EQ(m->parts(), std::vector<std::string>{"short"});
      EXPECT_EQ(m->params(), (boost::json::object{{"protect_content", true}}));
    } else if (m->params().contains("parse_mode")) {  // formatted: never cut
      EXPECT_EQ(m->parts(), std::vector<std::string>{long_text});
      EXPECT_EQ(m->params(), (boost::json::object{{"parse_mode", "HTML"}}));
    } else {
      EXPECT_EQ(m->parts(), (std::vector<std::string>{std::string(4000, 'x'), std::string(3000, 'y')}));
      EXPECT_EQ(m->params(), (boost::json::object{{"disable_notification", true}}));
    }
  }
  ASSERT_EQ(contents.size(), 3u);
  for (const auto& [broadcast, made] : contents) EXPECT_EQ(made.size(), 1u) << "broadcast " << broadcast;
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
