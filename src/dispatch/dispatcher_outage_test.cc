// The Dispatcher through a Bot API outage and past message deadlines, on a
// FakeClock (minutes of fake time in milliseconds of real time, every wait
// ending at its exact time: core/fake_clock_test_util.h): an outage
// longer than the whole retry schedule loses nothing and spends no attempt,
// sending resumes within one probe interval of recovery, a single broken chat
// does not pause the bot, and a message past its ttl_seconds or older than
// max_queue_age fails as expired instead of being sent.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "core/fake_clock.h"
#include "core/fake_clock_test_util.h"
#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "telegram/fake_bot_api.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;
using telegram::FakeBotApi;

constexpr char kBadGateway[] = "<html>502 Bad Gateway</html>";

class DispatcherOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({.path = ":memory:", .clock = &clock_});
    ASSERT_OK(s);
    store_ = std::move(*s);
    options_.global_per_sec = 100;
    options_.chat_per_sec = 10;
    options_.group_per_min = 600;
    options_.max_attempts = 8;
    options_.first_backoff = 1s;  // the real schedule: 8 attempts over ~2 minutes
  }

  int64_t Enqueue(int64_t chat, const std::string& text, int64_t expires_at_ms = 0) {
    store::NewMessage m{"default", "", chat, text, "{}", "", store::Priority::kDirect};
    m.expires_at_ms = expires_at_ms;
    auto enqueued = Await(store_->Enqueue(m));
    EXPECT_OK(enqueued);
    return enqueued.ok() ? enqueued->id : 0;
  }
  store::Message Get(int64_t id) { return *Await(store_->GetMessage(id)); }
  int64_t WallMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  }
  size_t Calls(const std::string& method) const {
    size_t n = 0;
    for (const auto& c : api_.calls()) n += c.method == method;
    return n;
  }

  // Runs the dispatcher on fake time (dispatcher_test_util.h's driver: the
  // clock moves from one wait to the next) until `done()` or `limit` of fake
  // time passed. `each` looks at the dispatcher after every pass.
  bool Advance(Dispatcher& d, const std::function<bool()>& done, std::chrono::milliseconds limit,
               const std::function<void(Dispatcher&)>& each = {}) {
    return tgate::testing::RunUntil(
        io_, clock_,
        [&] {
          if (each) each(d);
          return done();
        },
        limit);
  }
  void Stop(Dispatcher& d) {
    bool stopped = false;
    asio::co_spawn(io_, d.Stop(0ms), [&](std::exception_ptr) { stopped = true; });
    EXPECT_TRUE(tgate::testing::RunUntil(
        io_, clock_, [&] { return stopped; }, 1s));
  }

  FakeClock clock_;  // first: outlives everything that reads it
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  FakeBotApi api_{clock_};
  DispatcherOptions options_;
};

// Connection refused (0), or Telegram's servers failing (502).
class DispatcherOutageKindTest : public DispatcherOutageTest,
                                 public ::testing::WithParamInterface<unsigned> {};

TEST_P(DispatcherOutageKindTest, AnOutageLongerThanEveryRetryLosesNothingAndSpendsNoAttempt) {
  {
    const unsigned status = GetParam();
    std::vector<int64_t> ids;
    for (int i = 0; i < 30; ++i) ids.push_back(Enqueue(100 + i, "m" + std::to_string(i)));
    api_.set_down(true, status);
    Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
    d.Start();
    bool paused = false;
    ASSERT_FALSE(Advance(
        d, [] { return false; }, 10min, [&](Dispatcher& x) { paused |= x.stats().outage; }));
    EXPECT_TRUE(paused);
    EXPECT_EQ(d.stats().outage, 1u);
    EXPECT_EQ(d.stats().failed, 0u);
    EXPECT_GE(d.stats().outage_seconds, 590.0);
    // Exactly: from the first probe's failure, at the end of the restart's
    // pause (1.03 s), to the end of the 10 minutes.
    EXPECT_DOUBLE_EQ(d.stats().outage_seconds, 600.0 - 1.03);
    // Nothing but probes while it lasted, backing off to one per 5 s.
    EXPECT_LE(Calls("sendMessage"), 30u + 1u) << "only the sends that found the outage";
    EXPECT_LE(Calls("getMe"), 125u);
    EXPECT_GE(Calls("getMe"), 115u);
    // Exactly: the one that found it (1.03 s), then 1 s, 2 s and 4 s later
    // (8.03 s), then every 5 s to the end: 13.03 s ... 598.03 s, 118 more.
    EXPECT_EQ(Calls("getMe"), 4u + 118u);
    for (int64_t id : ids) {
      EXPECT_EQ(Get(id).status, store::MessageStatus::kQueued);
      EXPECT_EQ(Get(id).attempts, 0);
    }

    // Telegram is back: sending resumes within one probe interval, and every
    // message goes once, with the one attempt that reached Telegram.
    api_.set_down(false);
    const SteadyTime back = clock_.Now();
    ASSERT_TRUE(Advance(
        d, [&] { return api_.accepted() == ids.size(); }, 2min));
    SteadyTime first_sent = SteadyTime::max();
    for (const auto& c : api_.calls()) {
      if (c.method == "sendMessage" && c.at >= back) first_sent = std::min(first_sent, c.at);
    }
    EXPECT_LE(first_sent - back, 6s);
    // Exactly: the next probe (5 s after the last, at 598.03 s) finds Telegram
    // back, and sending resumes with its answer.
    EXPECT_EQ(first_sent - back, 3030ms);
    Stop(d);
    for (int64_t id : ids) {
      EXPECT_EQ(Get(id).status, store::MessageStatus::kSent);
      EXPECT_EQ(Get(id).attempts, 1);
    }
    EXPECT_EQ(d.stats().outage, 0u);
    EXPECT_EQ(d.stats().failed, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(RefusedOr5xx, DispatcherOutageKindTest, ::testing::Values(0u, 502u),
                         [](const auto& info) { return info.param == 0 ? "Refused" : "BadGateway"; });

TEST_F(DispatcherOutageTest, ASingleBrokenChatDoesNotPauseTheBot) {
  api_.ScriptChat(7, 502, kBadGateway);
  int64_t broken = Enqueue(7, "never");
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Enqueue(100 + i, "m"));
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  bool paused = false;
  ASSERT_TRUE(Advance(
      d, [&] { return d.stats().failed == 1; }, 10min, [&](Dispatcher& x) { paused |= x.stats().outage; }));
  Stop(d);
  EXPECT_FALSE(paused);
  EXPECT_EQ(d.stats().outage_seconds, 0.0);
  EXPECT_EQ(api_.accepted(), ids.size());
  EXPECT_EQ(Get(broken).status, store::MessageStatus::kFailed);
  EXPECT_NE(Get(broken).error.find("gave up after 8 attempts"), std::string::npos) << Get(broken).error;
}

TEST_F(DispatcherOutageTest, AMessagePastItsTtlFailsAsExpiredInsteadOfGoingLate) {
  api_.set_down(true);
  const SteadyTime enqueued = clock_.Now();
  int64_t login_code = Enqueue(5, "code 1234", WallMs() + 5 * 60 * 1000);
  int64_t plain = Enqueue(6, "news");
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  ASSERT_TRUE(Advance(
      d, [&] { return Get(login_code).status != store::MessageStatus::kQueued; }, 10min));
  EXPECT_LE(clock_.Now() - api_.calls().front().at, 5min + 10s);
  // Exactly: seen at its deadline (a 5 s reload falls on it), written one
  // flush interval later.
  EXPECT_EQ(clock_.Now(), enqueued + 5min + options_.flush_interval);
  EXPECT_EQ(Get(login_code).status, store::MessageStatus::kFailed);
  EXPECT_EQ(Get(login_code).error.rfind("expired:", 0), 0u) << Get(login_code).error;
  EXPECT_EQ(Get(plain).status, store::MessageStatus::kQueued);
  EXPECT_EQ(d.stats().expired, 1u);
  api_.set_down(false);
  ASSERT_TRUE(Advance(
      d, [&] { return Get(plain).status == store::MessageStatus::kSent; }, 1min));
  Stop(d);
  EXPECT_EQ(api_.Accepted(5).size(), 0u);
  // The site hears of it as of any failure.
  bool failed_event = false;
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  for (const auto& e : *events) {
    failed_event |= e.payload.find("message.failed") != std::string::npos &&
                    e.payload.find("expired") != std::string::npos;
  }
  EXPECT_TRUE(failed_event);
}

TEST_F(DispatcherOutageTest, AMessageLoadedPastItsDeadlineIsNeverSent) {
  int64_t late = Enqueue(5, "too late", WallMs() - 1);
  int64_t fine = Enqueue(6, "in time", WallMs() + 60000);
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  ASSERT_TRUE(Advance(
      d, [&] { return Get(fine).status == store::MessageStatus::kSent; }, 1min));
  Stop(d);
  EXPECT_EQ(Get(late).status, store::MessageStatus::kFailed);
  EXPECT_EQ(Get(late).error.rfind("expired:", 0), 0u);
  EXPECT_EQ(api_.Accepted(5).size(), 0u);
}

TEST_F(DispatcherOutageTest, MessagesWaitThroughAnOutageUpToMaxQueueAge) {
  options_.max_queue_age = 1h;
  api_.set_down(true);
  const SteadyTime enqueued = clock_.Now();
  int64_t old_one = Enqueue(5, "old");
  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
  d.Start();
  ASSERT_FALSE(Advance(
      d, [] { return false; }, 30min));
  int64_t young = Enqueue(6, "young");
  ASSERT_TRUE(Advance(
      d, [&] { return Get(old_one).status != store::MessageStatus::kQueued; }, 40min));
  EXPECT_GE(clock_.Now() - api_.calls().front().at, 1h - 5s);
  EXPECT_EQ(clock_.Now(), enqueued + 1h + options_.flush_interval)
      << "seen at its age, written a flush later";
  EXPECT_EQ(Get(old_one).status, store::MessageStatus::kFailed);
  EXPECT_NE(Get(old_one).error.find("max_queue_age"), std::string::npos) << Get(old_one).error;
  EXPECT_EQ(Get(young).status, store::MessageStatus::kQueued);
  EXPECT_EQ(Get(young).attempts, 0);
  api_.set_down(false);
  ASSERT_TRUE(Advance(
      d, [&] { return Get(young).status == store::MessageStatus::kSent; }, 1min));
  Stop(d);
}

}  // namespace
}  // namespace tgate::dispatch
