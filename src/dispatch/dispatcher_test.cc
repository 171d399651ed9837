// The Dispatcher driving a scripted FakeBotApi over a real in-memory store,
// on an io_context run on a FakeClock (limits scaled up). Every case runs
// twice: with the sends on the loop's own executor, and with them on a
// separate io_context the loop polls once per tick (as tgate serve runs it).
// Times read off the FakeBotApi's calls are exact.
#include "dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include "core/testing.h"
#include "dispatch/dispatcher_test_util.h"
#include "store/store_test_util.h"
#include "telegram/fake_bot_api.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

constexpr char kBlockedAnswer[] =
    R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})";
constexpr char kChatNotFoundAnswer[] =
    R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})";
constexpr char kProxyError[] = "<html>502 Bad Gateway</html>";
constexpr char kMigratedAnswer[] =
    R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat",)"
    R"("parameters":{"migrate_to_chat_id":-1009}})";

class DispatcherTest : public testing::DispatcherFixture, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    DispatcherFixture::SetUp();
    options_.global_per_sec = 1000;
    options_.chat_per_sec = 100;
    options_.chat_burst = 1;
    options_.group_per_min = 6000;
    options_.first_backoff = 20ms;
    options_.max_attempts = 3;
  }

  // Runs the dispatcher until `done` holds (checked whenever fake time has
  // run all it can at one instant) or `limit` of fake time passes, then
  // stops it if done.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    asio::io_context answers(1);
    Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_,
                 GetParam() ? &answers : nullptr);
    d.Start();
    const bool ok = tgate::testing::RunUntil(io_, clock_, done, limit);
    if (ok) {
      EXPECT_TRUE(Stop(d, 1s));
    }
    return ok;
  }
};

TEST_P(DispatcherTest, DeliversEveryMessageOnceInChatOrder) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(Enqueue(100 + i % 3, "m" + std::to_string(i)));
  ASSERT_TRUE(
      RunUntil([&] { return api_.accepted() == 30 && StatusOf(ids.back()) == store::MessageStatus::kSent; }));
  for (int chat = 100; chat < 103; ++chat) {
    auto texts = api_.Accepted(chat);
    ASSERT_EQ(texts.size(), 10u);
    for (size_t k = 0; k < texts.size(); ++k) EXPECT_EQ(texts[k], "m" + std::to_string(chat - 100 + 3 * k));
  }
  auto m = Await(store_->GetMessage(ids[0]));
  EXPECT_GT(m->telegram_message_id, 0);
  EXPECT_EQ(m->attempts, 1);
}

// tgate_queue_wait_seconds counts each message once, at its first send
// (not its retry); tgate_telegram_request_seconds counts every answered
// sendMessage (not a dropped connection) with Telegram's latency.
TEST_P(DispatcherTest, TimesTheQueueWaitOncePerMessageAndEveryAnsweredRoundTrip) {
  Histogram queue_wait({0.1, 0.3, 1});
  Histogram round_trip({0.1, 0.25, 1});
  options_.queue_wait = &queue_wait;
  options_.round_trip = &round_trip;
  api_.set_latency(200ms);
  api_.FailNext(502, kProxyError, 1);
  api_.DropNext(1);
  // One chat: the second message waits for the first one's answers (the
  // chat has one send in flight at a time).
  const int64_t first = Enqueue(7, "a");
  const int64_t second = Enqueue(7, "b");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(second) == store::MessageStatus::kSent; }));
  EXPECT_EQ(StatusOf(first), store::MessageStatus::kSent);
  EXPECT_EQ(queue_wait.count(), 2u);
  EXPECT_GE(queue_wait.sum(), 0.4) << "the second waited for the first one's two answers (200 ms each)";
  EXPECT_EQ(round_trip.count(), 3u) << "a 502, and two sends answered; the dropped one is not timed";
  EXPECT_EQ(round_trip.CumulativeCount(0), 0u);
  EXPECT_EQ(round_trip.CumulativeCount(1), 3u) << "200 ms each, at most a tick late";
}

TEST_P(DispatcherTest, RetriesServerErrorsAndNetworkFailures) {
  api_.FailNext(502, kProxyError, 1);
  api_.DropNext(1);
  int64_t id = Enqueue(7, "hello");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kSent; }));
  EXPECT_EQ(Await(store_->GetMessage(id))->attempts, 3);
}

TEST_P(DispatcherTest, GivesUpAfterMaxAttempts) {
  api_.FailNext(502, kProxyError, 5);
  int64_t id = Enqueue(7, "hello");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kFailed; }));
  EXPECT_NE(Await(store_->GetMessage(id))->error.find("gave up after 3 attempts"), std::string::npos);
}

TEST_P(DispatcherTest, BlockedUserIsMarkedAndTheQueueFails) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 555, store::UserStatus::kActive, 0})));
  api_.ScriptChat(555, 403, kBlockedAnswer);
  int64_t a = Enqueue(555, "one", "42");
  int64_t b = Enqueue(555, "two", "42");
  ASSERT_TRUE(RunUntil([&] {
    return StatusOf(a) == store::MessageStatus::kFailed && StatusOf(b) == store::MessageStatus::kFailed;
  }));
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->status, store::UserStatus::kBlocked);
  EXPECT_NE(Await(store_->GetMessage(a))->error.find("blocked"), std::string::npos);
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  bool blocked_event = false;
  for (const auto& e : *events) blocked_event |= e.payload.find("user.blocked") != std::string::npos;
  EXPECT_TRUE(blocked_event);
  EXPECT_EQ(api_.calls().size(), 1u) << "the second message is not sent into a known block";
}

TEST_P(DispatcherTest, ChatNotFoundFails) {
  api_.ScriptChat(9, 400, kChatNotFoundAnswer);
  int64_t id = Enqueue(9, "x");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kFailed; }));
  EXPECT_EQ(Await(store_->GetMessage(id))->error, "Bad Request: chat not found");
}

TEST_P(DispatcherTest, MigratedGroupIsResentToTheNewId) {
  api_.ScriptChat(-500, 400, kMigratedAnswer);
  int64_t id = Enqueue(-500, "to the group");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kSent; }));
  EXPECT_EQ(api_.Accepted(-1009), std::vector<std::string>{"to the group"});
}

// Issue 11 (7a): once Telegram said the group moved, a later message the
// site addresses to the old id goes straight to the new one: no second 400.
TEST_P(DispatcherTest, AMigratedGroupIsRememberedForLaterMessagesToTheOldId) {
  api_.ScriptChat(-500, 400, kMigratedAnswer);
  int64_t first = Enqueue(-500, "first");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(first) == store::MessageStatus::kSent; }));
  int64_t second = Enqueue(-500, "second");
  EXPECT_EQ(Await(store_->GetMessage(second))->chat_id, -1009);
  ASSERT_TRUE(RunUntil([&] { return StatusOf(second) == store::MessageStatus::kSent; }));
  EXPECT_EQ(api_.Accepted(-1009), (std::vector<std::string>{"first", "second"}));
  int to_old_id = 0;
  for (const auto& call : api_.calls()) {
    const auto* chat = call.params.if_contains("chat_id");
    if (chat != nullptr && chat->is_int64() && chat->as_int64() == -500) ++to_old_id;
  }
  EXPECT_EQ(to_old_id, 1) << "only the first message learned of the migration";
}

TEST_P(DispatcherTest, RetryAfterIsWaitedOut) {
  api_.RateLimitOnce(77, 1);
  int64_t id = Enqueue(77, "later");
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kSent; }));
  ASSERT_EQ(api_.calls().size(), 2u);
  EXPECT_GE(api_.calls()[1].at - api_.calls()[0].at, 1s);
  EXPECT_EQ(api_.calls()[1].at - api_.calls()[0].at, 1s + 50ms) << "retry_after and the retry policy's 50 ms";
}

TEST_P(DispatcherTest, ARetryAfterIsKeptInTheStoreSoARestartWaitsItOutToo) {
  api_.RateLimitOnce(77, 30);
  int64_t id = Enqueue(77, "later");
  const int64_t before_ms = WallMs();
  const SteadyTime start = clock_.Now();
  ASSERT_TRUE(RunUntil([&] { return api_.calls().size() == 1; }));  // Stop() flushes the outcome
  auto m = Await(store_->GetMessage(id));
  EXPECT_EQ(m->status, store::MessageStatus::kQueued);
  EXPECT_GE(m->not_before_ms, before_ms + 30000);
  // Exactly: from the 429's answer (latency 0: when the call arrived),
  // retry_after and the retry policy's 50 ms.
  const int64_t answered_ms =
      before_ms + std::chrono::duration_cast<std::chrono::milliseconds>(api_.calls()[0].at - start).count();
  EXPECT_EQ(m->not_before_ms, answered_ms + 30'050);
  // A restarted dispatcher holds it until then: up to its last millisecond.
  EXPECT_FALSE(RunUntil([&] { return api_.calls().size() > 1; },
                        std::chrono::milliseconds(m->not_before_ms - WallMs() - 1)));
  EXPECT_EQ(WallMs(), m->not_before_ms - 1);
  EXPECT_EQ(api_.calls().size(), 1u);
}

TEST_P(DispatcherTest, LongPlainTextGoesOutInParts) {
  std::string text = std::string(4000, 'a') + "\n\n" + std::string(4000, 'b');
  int64_t id = Enqueue(3, text);
  ASSERT_TRUE(RunUntil([&] { return StatusOf(id) == store::MessageStatus::kSent; }));
  auto parts = api_.Accepted(3);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], std::string(4000, 'a'));
  EXPECT_EQ(parts[1], std::string(4000, 'b'));
  EXPECT_EQ(Await(store_->GetMessage(id))->parts_sent, 2);
}

// Issue 14: attempts counted every part's sends (10 for a clean 10-part
// message). They count the sends of the most-tried part; parts are apart.
TEST_P(DispatcherTest, PartsAndAttemptsAreCountedApart) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += (i ? "\n\n" : "") + std::string(4000, char('a' + i));
  int64_t clean = Enqueue(3, text);
  ASSERT_TRUE(RunUntil([&] { return StatusOf(clean) == store::MessageStatus::kSent; }));
  ASSERT_EQ(api_.Accepted(3).size(), 10u);
  auto m = Await(store_->GetMessage(clean));
  EXPECT_EQ(m->parts, 10);
  EXPECT_EQ(m->parts_sent, 10);
  EXPECT_EQ(m->attempts, 1);

  // The first part goes at once; the second fails twice before it goes.
  int64_t retried = Enqueue(4, std::string(4000, 'x') + "\n\n" + std::string(4000, 'y'));
  bool scripted = false;
  api_.set_on_call([&](const telegram::FakeBotApi::RecordedCall& c) {
    const auto* text = c.params.if_contains("text");
    if (scripted || !text || !text->is_string() || text->as_string().front() != 'y') return;
    scripted = true;
    api_.FailNext(502, kProxyError, 2);  // this call and the next
  });
  ASSERT_TRUE(RunUntil([&] { return StatusOf(retried) == store::MessageStatus::kSent; }));
  EXPECT_EQ(api_.Accepted(4).size(), 2u);
  m = Await(store_->GetMessage(retried));
  EXPECT_EQ(m->parts, 2);
  EXPECT_EQ(m->attempts, 3);
}

TEST_P(DispatcherTest, KeepsGoingWithEveryRequestSlotTaken) {
  options_.max_in_flight = 2;
  api_.set_latency(3ms);
  std::vector<int64_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Enqueue(200 + i, "m"));
  ASSERT_TRUE(RunUntil([&] {
    return std::all_of(ids.begin(), ids.end(),
                       [&](int64_t id) { return StatusOf(id) == store::MessageStatus::kSent; });
  }));
  EXPECT_EQ(api_.accepted(), 40u);
}

INSTANTIATE_TEST_SUITE_P(SendsOnTheLoopOrPolled, DispatcherTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Polled" : "OnTheLoop"; });

}  // namespace
}  // namespace tgate::dispatch
