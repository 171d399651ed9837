#include "dispatch/answer_handler.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dispatch/queue_test_util.h"
#include "store/store_test_util.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

constexpr char kOk[] = R"({"ok":true,"result":{"message_id":55}})";
constexpr char k429[] =
    R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}})";
constexpr char kBlocked[] =
    R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})";
constexpr char kNotFound[] = R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})";
constexpr char kMigrated[] =
    R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat",)"
    R"("parameters":{"migrate_to_chat_id":-1009}})";
constexpr char kUnauthorized[] = R"({"ok":false,"error_code":401,"description":"Unauthorized"})";

SchedulerLimits Fast() {
  SchedulerLimits l;
  l.global_per_sec = 1000;
  l.chat_per_sec = 1000;
  l.group_per_min = 60000;
  return l;
}

class AnswerHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::MemStore(clock_);
    ASSERT_TRUE(store_);
    writer_ = std::make_unique<OutcomeWriter>(*store_, clock_, scheduler_, OutcomeWriterOptions{});
    restart_ = std::make_unique<RestartGuard>(*store_, clock_, scheduler_, RestartGuardOptions{});
    handler_ = std::make_unique<AnswerHandler>(*store_, clock_, scheduler_, held_, *writer_, *restart_,
                                               AnswerHandlerOptions{});
  }

  // Queues a message to `chat` in the store and holds it, split in `parts`.
  int64_t Queue(int64_t chat, int parts = 1) {
    const int64_t id = testing::QueueDirect(*store_, chat);
    Loaded m;
    m.message = *Await(store_->GetMessage(id));
    m.content = MakeContent(std::vector<std::string>(parts, "hi"), {});
    held_.Insert(std::move(m));
    Job job;
    job.id = id;
    job.chat_id = chat;
    scheduler_.Add(job);
    return id;
  }
  // The next send, as the dispatcher launches it: its chat is in flight.
  Job Send() {
    auto job = scheduler_.Next(clock_.Now());
    EXPECT_TRUE(job);
    if (!job) return {};
    ++held_.Find(job->id)->message.attempts;
    return *job;
  }
  // Telegram answers `job`'s send with `body` (HTTP `status`).
  Fate Answer(const Job& job, unsigned status, const char* body) {
    telegram::ApiResult r = telegram::Classify(status, body);
    Loaded* m = held_.Find(job.id);
    EXPECT_NE(m, nullptr);
    const Decision d = handler_->Decide(*m, r);
    if (std::optional<Fate> fate = handler_->Act(job, *m, r, d, clock_.Now())) return *fate;
    return Await(handler_->ActOnStore(job, *m, r, d, clock_.Now()));
  }
  store::Message Stored(int64_t id) {
    Await(writer_->Flush());
    return *Await(store_->GetMessage(id));
  }
  std::vector<std::string> Events() {
    Await(writer_->Flush());
    auto due = Await(store_->DueEvents(INT64_MAX, 100));
    EXPECT_OK(due);
    std::vector<std::string> types;
    for (const auto& e : *due) types.push_back(boost::json::parse(e.payload).at("type").as_string().c_str());
    return types;
  }
  int64_t WallMs() const { return testing::WallMs(clock_); }

  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  Scheduler scheduler_{Fast()};
  LoadedMessages held_;
  std::unique_ptr<OutcomeWriter> writer_;
  std::unique_ptr<RestartGuard> restart_;
  std::unique_ptr<AnswerHandler> handler_;
};

TEST_F(AnswerHandlerTest, ASplitTextSendsItsNextPartNextThenFinishes) {
  const int64_t id = Queue(42, 2);
  Job job = Send();
  EXPECT_EQ(Answer(job, 200, kOk), Fate::kPartSent);
  EXPECT_EQ(Stored(id).parts_sent, 1);  // a restart resumes at the next part
  scheduler_.Done(42, clock_.Now());
  clock_.Advance(1s);
  job = Send();
  EXPECT_EQ(job.id, id);
  EXPECT_EQ(job.parts_sent, 1);

  EXPECT_EQ(Answer(job, 200, kOk), Fate::kSent);
  EXPECT_FALSE(held_.Contains(id));
  const store::Message m = Stored(id);
  EXPECT_EQ(m.status, store::MessageStatus::kSent);
  EXPECT_EQ(m.parts_sent, 2);
  EXPECT_EQ(m.telegram_message_id, 55);  // the first part's
  EXPECT_EQ(Events(), std::vector<std::string>{"message.sent"});
}

TEST_F(AnswerHandlerTest, A429ParksTheChatAndWritesTheWaitBack) {
  const int64_t id = Queue(42);
  const Job job = Send();
  const int64_t wall = WallMs();
  EXPECT_EQ(Answer(job, 429, k429), Fate::kRateLimited);
  EXPECT_TRUE(held_.Contains(id));
  EXPECT_EQ(Stored(id).not_before_ms, wall + 5050);  // retry_after and a little more
  EXPECT_EQ(held_.Find(id)->transient_failures, 0);  // a 429 spends no attempt
  scheduler_.Done(42, clock_.Now());
  EXPECT_FALSE(scheduler_.Next(clock_.Now() + 5s));
  EXPECT_TRUE(scheduler_.Next(clock_.Now() + 5050ms));
}

TEST_F(AnswerHandlerTest, AMessageRefusedWith429OnceTooOftenFails) {
  const int64_t id = Queue(42);
  const Job job = Send();
  held_.Find(id)->rate_limited = 100;
  EXPECT_EQ(Answer(job, 429, k429), Fate::kGaveUp);
  EXPECT_FALSE(held_.Contains(id));
  const store::Message m = Stored(id);
  EXPECT_EQ(m.status, store::MessageStatus::kFailed);
  EXPECT_EQ(m.error, "gave up after 100 rate limits: Too Many Requests: retry after 5");
}

TEST_F(AnswerHandlerTest, AServerErrorIsTriedAgainAfterABackoff) {
  const int64_t id = Queue(42);
  const Job job = Send();
  EXPECT_EQ(Answer(job, 502, "<html>502 Bad Gateway</html>"), Fate::kRetried);
  EXPECT_EQ(held_.Find(id)->transient_failures, 1);
  const store::Message m = Stored(id);
  EXPECT_EQ(m.status, store::MessageStatus::kQueued);
  EXPECT_GT(m.not_before_ms, WallMs());
  EXPECT_EQ(m.attempts, 1);
}

TEST_F(AnswerHandlerTest, ABlockedUserIsMarkedAndWhatIsHeldForTheChatFails) {
  ASSERT_OK(Await(store_->Bind({"default", "alice", 42, store::UserStatus::kActive, 0})));
  const int64_t first = Queue(42);
  const int64_t second = Queue(42);  // held, waiting behind the first
  const int64_t other = Queue(7);
  store::NewMessage to_alice{"default", "alice", 0, "not loaded yet", "{}", "", store::Priority::kDirect};
  const int64_t in_store = Await(store_->Enqueue(to_alice))->id;
  const Job job = Send();
  ASSERT_EQ(job.id, first);
  EXPECT_EQ(Answer(job, 403, kBlocked), Fate::kBlocked);
  EXPECT_FALSE(held_.Contains(second)) << "dropped from memory at once";
  // In the store the binding is closed with the outcomes, in the next
  // flush: one transaction.
  EXPECT_EQ(Await(store_->GetBindingByChat("default", 42))->status, store::UserStatus::kActive);
  EXPECT_EQ(Await(store_->GetMessage(second))->status, store::MessageStatus::kQueued);
  Await(writer_->Flush());

  EXPECT_EQ(Await(store_->GetBindingByChat("default", 42))->status, store::UserStatus::kBlocked);
  for (int64_t id : {first, second}) {
    EXPECT_FALSE(held_.Contains(id));
    const store::Message m = Stored(id);
    EXPECT_EQ(m.status, store::MessageStatus::kFailed);
    EXPECT_EQ(m.error, "blocked: bot was blocked by the user");
  }
  EXPECT_TRUE(held_.Contains(other));
  EXPECT_EQ(Stored(other).status, store::MessageStatus::kQueued);
  EXPECT_FALSE(Stored(other).chat_blocked);
  // Not held: queued still, read as blocked (the dispatcher fails it as it loads it).
  EXPECT_EQ(Stored(in_store).status, store::MessageStatus::kQueued);
  EXPECT_TRUE(Stored(in_store).chat_blocked);
  const auto events = Events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "user.blocked"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "message.failed"), 2);
}

// A second "blocked" from the chat before the first is written (a message
// to it queued meanwhile) closes nothing twice and tells the site once.
TEST_F(AnswerHandlerTest, ABlockedChatAnsweringAgainBeforeTheFlushIsClosedOnce) {
  ASSERT_OK(Await(store_->Bind({"default", "alice", 42, store::UserStatus::kActive, 0})));
  const int64_t first = Queue(42);
  EXPECT_EQ(Answer(Send(), 403, kBlocked), Fate::kBlocked);
  writer_->ChatDone(42, clock_.Now());  // as the Dispatcher does after any answer but a migration
  const int64_t later = Queue(42);
  clock_.Advance(2s);
  const Job again = Send();
  ASSERT_EQ(again.id, later);
  EXPECT_EQ(Answer(again, 403, kBlocked), Fate::kBlocked);
  EXPECT_EQ(Stored(first).status, store::MessageStatus::kFailed);
  EXPECT_EQ(Stored(later).status, store::MessageStatus::kFailed);
  EXPECT_EQ(Await(store_->GetBindingByChat("default", 42))->status, store::UserStatus::kBlocked);
  const auto events = Events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "user.blocked"), 1);
}

TEST_F(AnswerHandlerTest, AMigratedGroupsMessageIsResentToTheSupergroup) {
  const int64_t id = Queue(-5);
  const Job job = Send();
  EXPECT_EQ(Answer(job, 400, kMigrated), Fate::kMigrated);
  EXPECT_EQ(held_.Find(id)->message.chat_id, -1009);
  EXPECT_EQ(Await(store_->GetMessage(id))->chat_id, -1009);
  // Released by the move: the caller does not release the old chat.
  clock_.Advance(1s);
  const Job again = Send();
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.chat_id, -1009);
}

TEST_F(AnswerHandlerTest, ARevokedTokenPausesTheWholeBotAndKeepsTheMessage) {
  const int64_t id = Queue(42);
  Queue(7);
  const Job job = Send();
  EXPECT_EQ(Answer(job, 401, kUnauthorized), Fate::kBotPaused);
  EXPECT_TRUE(held_.Contains(id));
  scheduler_.Done(42, clock_.Now());
  EXPECT_FALSE(scheduler_.Next(clock_.Now() + 59s));  // no chat at all
  EXPECT_TRUE(scheduler_.Next(clock_.Now() + 61s));
}

TEST_F(AnswerHandlerTest, ARefusalFailsTheMessageWithTelegramsReason) {
  const int64_t id = Queue(42);
  const Job job = Send();
  EXPECT_EQ(Answer(job, 400, kNotFound), Fate::kFailed);
  EXPECT_FALSE(held_.Contains(id));
  const store::Message m = Stored(id);
  EXPECT_EQ(m.status, store::MessageStatus::kFailed);
  EXPECT_EQ(m.error, "Bad Request: chat not found");
}

}  // namespace
}  // namespace tgate::dispatch
