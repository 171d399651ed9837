// The Dispatcher against a FakeBotApi that enforces the configured limits
// exactly as the emulator does (sliding windows on arrival time): zero 429s
// from its own scheduling, a saturated budget, one-to-one messages overtaking
// a broadcast, Stop flushing what was in flight, and a restart resuming the
// queue (and a split text at its next part, and a broadcast past a retry
// parked by its backoff) and keeping each group's window (a kill -9
// included). All on a FakeClock (dispatcher_test_util.h): the times of the
// calls are exact, so throughput is asserted against what the limits allow,
// not against the machine's load; the restart tests move through minutes.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "telegram/fake_bot_api.h"

namespace tgate::dispatch {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;
using telegram::FakeBotApi;

class DispatcherFlowTest : public testing::DispatcherFixture {
 protected:
  void SetUp() override {
    DispatcherFixture::SetUp();
    options_.global_per_sec = 500;
    options_.chat_per_sec = 50;
    options_.chat_burst = 1;
    options_.group_per_min = 1200;
    options_.paid_per_sec = 1000;
    options_.first_backoff = 20ms;
  }

  FakeBotApi::Limits EmulatorLimits() const {
    return {options_.global_per_sec, options_.paid_per_sec, options_.chat_per_sec, options_.chat_burst,
            options_.group_per_min};
  }

  int64_t CountStatus(const std::vector<int64_t>& ids, store::MessageStatus status) {
    int64_t n = 0;
    for (int64_t id : ids) n += StatusOf(id) == status;
    return n;
  }

  // Starts a dispatcher, calls `during(d, elapsed)` (fake time since the
  // start) whenever fake time has run all it can at one instant, until it
  // returns true (then stops it with `grace`) or `limit` of fake time passes.
  // Returns whether `during` finished.
  bool Run(const std::function<bool(Dispatcher&, std::chrono::milliseconds)>& during,
           std::chrono::milliseconds grace = 1s, std::chrono::milliseconds limit = 5s) {
    Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api_, clock_, options_);
    d.Start();
    const SteadyTime start = clock_.Now();
    const bool ok = tgate::testing::RunUntil(
        io_, clock_,
        [&] {
          return during(d, std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start));
        },
        limit);
    const bool stopped = ok && Stop(d, grace);
    last_stats_ = d.stats();
    EXPECT_TRUE(!ok || stopped);
    return ok;
  }

  // A store whose timestamps come from `fake`, holding `n` one-to-one
  // messages to `group`: "g0", "g1", ...
  std::unique_ptr<store::Store> GroupQueueOnFakeClock(FakeClock& fake, int64_t group, int n) {
    auto opened = store::Store::Open({.path = ":memory:", .clock = &fake});
    EXPECT_OK(opened);
    if (!opened.ok()) return nullptr;
    for (int i = 0; i < n; ++i) {
      EXPECT_OK(Await((*opened)->Enqueue(
          {"default", "", group, "g" + std::to_string(i), "{}", "", store::Priority::kDirect})));
    }
    return std::move(*opened);
  }

  // Runs a dispatcher on `fake` time until `done` or 3 minutes of it, then
  // stops it with `grace` (0: what is in flight stays unrecorded, as after a
  // kill -9).
  void RunOnFakeClock(store::Store& store, FakeBotApi& api, FakeClock& fake,
                      const std::function<bool()>& done, std::chrono::milliseconds grace) {
    Dispatcher d(io_.get_executor(), store, store, store, api, fake, options_);
    d.Start();
    tgate::testing::RunUntil(io_, fake, done, 3min);
    EXPECT_TRUE(StopOn(fake, d, grace));
  }

  DispatcherStats last_stats_;
};

TEST_F(DispatcherFlowTest, NeverExceedsTheLimitsYetSaturatesTheBudget) {
  api_.EnforceLimits(EmulatorLimits());
  std::vector<int64_t> ids;
  // 100 private chats with 4 messages each, and a busy group with 20.
  for (int i = 0; i < 400; ++i) ids.push_back(Enqueue(1000 + i % 100, "m" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) ids.push_back(Enqueue(-42, "g" + std::to_string(i)));
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return api_.accepted() == ids.size(); }));
  EXPECT_EQ(api_.limit_429s(), 0u) << "the dispatcher sent beyond a limit by its own scheduling";
  EXPECT_EQ(CountStatus(ids, store::MessageStatus::kSent), static_cast<int64_t>(ids.size()));
  // Every message exactly once, in order per chat.
  for (int chat = 1000; chat < 1100; ++chat) {
    auto texts = api_.Accepted(chat);
    ASSERT_EQ(texts.size(), 4u);
    for (size_t k = 0; k < 4; ++k) EXPECT_EQ(texts[k], "m" + std::to_string(chat - 1000 + 100 * k));
  }
  // 420 messages at 500/s: the group (20 per second here) is the only other bound.
  const auto& calls = api_.calls();
  double took = std::chrono::duration<double>(calls.back().at - calls.front().at).count() + 1.0 / 500;
  double ratio = took / (420 / 500.0);
  std::printf("dispatcher: 420 messages in %.3f s, %.3f x the minimum at 500/s, 429s: %zu\n", took, ratio,
              api_.limit_429s());
  EXPECT_LE(ratio, 1.15) << "the global budget was not kept busy";
  // Exactly what the pacer allows: the first send with one tick's catch-up
  // (10 ms: 5 more) at once, then one every 1/500 s.
  EXPECT_EQ(calls.back().at - calls.front().at, (420 - 6) * 2ms);
  EXPECT_LT(ratio, 1.0);
}

TEST_F(DispatcherFlowTest, OneToOneOvertakesARunningBroadcast) {
  options_.global_per_sec = 300;
  api_.EnforceLimits(EmulatorLimits());
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(
        Await(store_->Bind({"default", "u" + std::to_string(i), 10000 + i, store::UserStatus::kActive, 0})));
  }
  store::NewBroadcast b;
  b.bot = "default";
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  ASSERT_OK(Await(store_->CreateBroadcast(
      b, std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count())));
  int64_t direct = 0;
  size_t broadcast_before = 0, broadcast_after_enqueue = 0;
  // The direct message comes 150 ms into the broadcast (on fake time the
  // dispatcher's pause after its start takes no real time, so "150 ms after
  // the start" would fall before the broadcast's first send).
  ASSERT_TRUE(Run([&](Dispatcher& d, auto) {
    if (direct == 0 && api_.accepted() > 0 && clock_.Now() - api_.calls().front().at >= 150ms) {
      broadcast_after_enqueue = api_.accepted();
      direct = Enqueue(777, "for you", "u-direct");
      d.Notify();
    }
    if (direct != 0 && broadcast_before == 0 && !api_.Accepted(777).empty())
      broadcast_before = api_.accepted() - 1;
    return api_.accepted() == 301;
  }));
  EXPECT_EQ(api_.limit_429s(), 0u);
  ASSERT_GT(broadcast_before, 0u);
  EXPECT_LT(broadcast_after_enqueue, 200u) << "the broadcast was nearly done before the direct message came";
  // At 300/s a slot comes every 3.3 ms; the direct message takes one of the next few.
  EXPECT_LE(broadcast_before - broadcast_after_enqueue, 10u)
      << "the direct message queued behind the broadcast";
  EXPECT_EQ(broadcast_before, broadcast_after_enqueue) << "the direct message did not take the next slot";
  EXPECT_EQ(StatusOf(direct), store::MessageStatus::kSent);
}

TEST_F(DispatcherFlowTest, ANewBroadcastIsNotHeldBehindACampaignSpreadOverHours) {
  // A window of 40: loaded by id, the campaign's 40 first messages (due over
  // the next 24 minutes) would fill it, and the urgent broadcast would wait
  // until 20 of them had gone.
  options_.load_window = 40;
  api_.EnforceLimits(EmulatorLimits());
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(
        Await(store_->Bind({"default", "u" + std::to_string(i), 20000 + i, store::UserStatus::kActive, 0})));
  }
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  store::NewBroadcast campaign;
  campaign.bot = "default";
  campaign.all = true;
  campaign.text = "campaign";
  campaign.options_json = "{}";
  campaign.spread_seconds = 3600;  // one every 36 s
  ASSERT_OK(Await(store_->CreateBroadcast(campaign, now_ms)));
  store::NewBroadcast urgent = campaign;
  urgent.text = "urgent";
  urgent.spread_seconds = 0;
  ASSERT_OK(Await(store_->CreateBroadcast(urgent, now_ms)));
  auto count = [&](const std::string& text) {
    size_t n = 0;
    for (int i = 0; i < 100; ++i) {
      for (const auto& t : api_.Accepted(20000 + i)) n += t == text;
    }
    return n;
  };
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return count("urgent") == 100; }))
      << "urgent messages sent: " << count("urgent");
  EXPECT_EQ(count("campaign"), 1u) << "only the campaign's first message is due";
  EXPECT_EQ(api_.limit_429s(), 0u);
  EXPECT_LE(last_stats_.loaded, 40u);
}

TEST_F(DispatcherFlowTest, OneToOneMessagesBeyondTheWindowWaitInTheStoreAndAFloodedChatHoldsUpNoOther) {
  // A window of 40 (a chat's share: 5). One chat is sent 30 messages first,
  // which Telegram takes at 1/s; then 60 other chats one each.
  options_.load_window = 40;
  options_.chat_per_sec = 1;
  api_.EnforceLimits(EmulatorLimits());
  for (int i = 0; i < 30; ++i) Enqueue(9000, "f" + std::to_string(i));
  for (int i = 1; i <= 60; ++i) Enqueue(9000 + i, "x");
  auto others = [&] {
    size_t n = 0;
    for (int i = 1; i <= 60; ++i) n += api_.Accepted(9000 + i).size();
    return n;
  };
  size_t most_loaded = 0;
  ASSERT_TRUE(Run(
      [&](Dispatcher& d, auto) {
        most_loaded = std::max<size_t>(most_loaded, d.stats().loaded);
        return others() == 60;
      },
      1s, 10s))
      << "the other chats' messages sent: " << others();
  EXPECT_LT(api_.Accepted(9000).size(), 15u) << "the flooded chat goes at its own pace";
  EXPECT_GT(last_stats_.parked, 0u);
  ASSERT_TRUE(Run(
      [&](Dispatcher& d, auto) {
        most_loaded = std::max<size_t>(most_loaded, d.stats().loaded);
        return api_.Accepted(9000).size() == 30;
      },
      1s, 60s));
  std::vector<std::string> in_order;
  for (int i = 0; i < 30; ++i) in_order.push_back("f" + std::to_string(i));
  EXPECT_EQ(api_.Accepted(9000), in_order);
  EXPECT_LE(most_loaded, 40u);
  EXPECT_EQ(api_.limit_429s(), 0u);
}

TEST_F(DispatcherFlowTest, StopWaitsForInFlightAndFlushesTheirOutcomes) {
  api_.set_latency(100ms);
  std::vector<int64_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(Enqueue(2000 + i, "x"));
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return api_.calls().size() >= 5; }));
  size_t called = api_.calls().size();
  ASSERT_LT(called, ids.size());
  // Each request that went out completed within the grace and is recorded;
  // nothing else was sent, and the rest stays queued for the next run.
  EXPECT_EQ(CountStatus(ids, store::MessageStatus::kSent), static_cast<int64_t>(called));
  EXPECT_EQ(CountStatus(ids, store::MessageStatus::kQueued), static_cast<int64_t>(ids.size() - called));
  EXPECT_EQ(last_stats_.in_flight, 0u);
}

TEST_F(DispatcherFlowTest, ARestartDeliversTheRestAndResendsAtMostWhatWasInFlight) {
  api_.set_latency(50ms);
  std::vector<int64_t> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(Enqueue(3000 + i, "m" + std::to_string(i)));
  // A "crash": stop without waiting, so requests in flight have no recorded outcome.
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return api_.calls().size() >= 10; }, 0ms));
  size_t first_calls = api_.calls().size();
  int64_t recorded = CountStatus(ids, store::MessageStatus::kSent);
  api_.set_latency(0ms);
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return CountStatus(ids, store::MessageStatus::kSent) == 60; }));
  size_t resent = api_.calls().size() - 60;  // calls beyond one per message
  EXPECT_LE(resent, first_calls - static_cast<size_t>(recorded)) << "only unrecorded in-flight sends repeat";
  for (int i = 0; i < 60; ++i) EXPECT_FALSE(api_.Accepted(3000 + i).empty());
}

TEST_F(DispatcherFlowTest, AfterARestartARetryWaitingOutItsBackoffHoldsBackOnlyItself) {
  // On the fixture's FakeClock (with the FakeBotApi stamping calls by it):
  // the retry is 10 minutes away, and "at once" and "not before its time"
  // are read off exact times, not real sleeps.
  FakeClock& fake = clock_;
  FakeBotApi& api = api_;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(
        Await(store_->Bind({"default", "u" + std::to_string(i), 30000 + i, store::UserStatus::kActive, 0})));
  }
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(fake.Wall().time_since_epoch()).count();
  store::NewBroadcast b;
  b.bot = "default";
  b.all = true;
  b.text = "news";
  b.options_json = "{}";
  ASSERT_OK(Await(store_->CreateBroadcast(b, now_ms)));  // all due now
  // What a stopped tgate left behind: the first message was tried, answered
  // 5xx, and its retry parked 10 minutes on.
  auto queued = Await(store_->LoadQueued("default", store::Priority::kBroadcast, 0, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 5u);
  const int64_t parked_chat = (*queued)[0].chat_id;
  ASSERT_OK(Await(store_->Complete(
      {store::Completion{(*queued)[0].id, store::MessageStatus::kQueued, 1, 0, now_ms + 600'000, 0, ""}})));
  const SteadyTime start = fake.Now();
  const SteadyTime retry_due = start + 10min;  // as not_before above

  Dispatcher d(io_.get_executor(), *store_, *store_, *store_, api, fake, options_);
  d.Start();
  ASSERT_TRUE(tgate::testing::RunUntil(
      io_, fake, [&] { return api.accepted() == 5; }, retry_due + 1min - start));
  EXPECT_TRUE(Stop(d, 1s));

  ASSERT_EQ(api.calls().size(), 5u) << "each message once: none loaded twice";
  for (const auto& call : api.calls()) {
    const int64_t chat = call.params.at("chat_id").to_number<int64_t>();
    const int64_t at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(call.at - start).count();
    if (chat == parked_chat) {
      EXPECT_GE(at_ms, 600'000) << "the parked retry was sent before its time";
    } else {
      EXPECT_LT(at_ms, 5'000) << "chat " << chat << " was held back behind the parked retry";
    }
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(api.Accepted(30000 + i).size(), 1u);
  for (const store::Message& m : *queued) EXPECT_EQ(StatusOf(m.id), store::MessageStatus::kSent);
}

TEST_F(DispatcherFlowTest, ARestartCountsWhatAGroupGotInItsLastMinute) {
  // Telegram's 60 s group window outlives a restart: a new dispatcher must
  // not send a group its next messages before the window of what the old one
  // sent has passed. On a FakeClock shared by the store's timestamps and a
  // FakeBotApi that enforces the limits (and would answer 429).
  FakeClock fake;
  constexpr int64_t kGroup = -100500;
  auto queue = GroupQueueOnFakeClock(fake, kGroup, 8);
  ASSERT_TRUE(queue);
  store::Store& store = *queue;
  options_.group_per_min = 5;
  FakeBotApi api(fake);
  api.EnforceLimits(EmulatorLimits());
  const SteadyTime start = fake.Now();
  RunOnFakeClock(
      store, api, fake, [&] { return api.accepted() == 5; }, 1s);  // the group's window is full
  ASSERT_EQ(api.accepted(), 5u);
  fake.Advance(2s);  // the restart
  const SteadyTime restarted = fake.Now();
  RunOnFakeClock(
      store, api, fake, [&] { return api.accepted() == 8; }, 1s);

  EXPECT_EQ(api.limit_429s(), 0u) << "the restarted dispatcher sent into the group's window";
  EXPECT_EQ(api.Accepted(kGroup).size(), 8u);
  ASSERT_EQ(api.calls().size(), 8u);
  const SteadyTime first = api.calls()[0].at;
  EXPECT_GE(api.calls()[5].at - first, 60s) << "the sixth message went inside the first one's minute";
  EXPECT_LT(api.calls()[5].at - start, 70s) << "held back longer than the window (and a second of rounding)";
  // Exactly: the first four left the window (60 s and its 2% margin) before
  // the restart; the fifth and the one send counted as unrecorded leave room
  // for three, which go as the restart's pause (1.03 s) ends.
  EXPECT_EQ(api.calls()[5].at, restarted + 1030ms);
  EXPECT_EQ(api.calls()[7].at, restarted + 1030ms);
}

TEST_F(DispatcherFlowTest, AGroupsNextSendWaitsUntilItsLastIsWritten) {
  // So that a kill -9 leaves at most one of a group's sends unrecorded (the
  // restart counts what the store has against the group's 60 s window).
  constexpr int64_t kGroup = -4242;
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Enqueue(kGroup, "g" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) ids.push_back(Enqueue(5000 + i, "p" + std::to_string(i)));
  int group_calls = 0;
  api_.set_on_call([&](const FakeBotApi::RecordedCall& call) {
    if (call.params.at("chat_id").to_number<int64_t>() != kGroup) return;
    auto recorded = Await(store_->RecentGroupSends("default", 0));
    ASSERT_OK(recorded);
    int parts = 0;
    for (const store::GroupSend& g : *recorded) parts += g.chat_id == kGroup ? g.parts : 0;
    EXPECT_EQ(parts, group_calls) << "the group's send #" << group_calls
                                  << " went before the last was written";
    ++group_calls;
  });
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return api_.accepted() == ids.size(); }));
  EXPECT_EQ(group_calls, 6);
  EXPECT_EQ(CountStatus(ids, store::MessageStatus::kSent), static_cast<int64_t>(ids.size()));
}

TEST_F(DispatcherFlowTest, AGroupSendInFlightAtAKillCountsAfterTheRestart) {
  // Telegram took the group's fifth message, but the process died before its
  // answer was written: the store knows four. The restarted dispatcher must
  // still count five in the group's window. FakeClock and limits as in
  // ARestartCountsWhatAGroupGotInItsLastMinute.
  FakeClock fake;
  constexpr int64_t kGroup = -100600;
  auto queue = GroupQueueOnFakeClock(fake, kGroup, 8);
  ASSERT_TRUE(queue);
  store::Store& store = *queue;
  options_.group_per_min = 5;
  FakeBotApi api(fake);
  api.EnforceLimits(EmulatorLimits());
  api.set_latency(200ms);  // real time: the fifth answer is still on its way at the "kill"
  // No grace: the fifth stays unrecorded, as after a kill.
  RunOnFakeClock(
      store, api, fake, [&] { return api.calls().size() == 5; }, 0ms);
  ASSERT_EQ(api.accepted(), 4u);
  fake.Advance(2s);  // the restart
  api.set_latency(0ms);
  // The fifth request, answered now to nobody, and the rest (the fifth again among them).
  RunOnFakeClock(
      store, api, fake, [&] { return api.accepted() == 9; }, 0ms);

  EXPECT_EQ(api.limit_429s(), 0u) << "the restarted dispatcher sent into the group's window";
  auto texts = api.Accepted(kGroup);
  ASSERT_EQ(texts.size(), 9u);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "g4"), 2) << "only the one in flight is sent twice";
}

TEST_F(DispatcherFlowTest, ASplitTextResumesAtTheNextPart) {
  std::string text =
      std::string(4000, 'a') + "\n\n" + std::string(4000, 'b') + "\n\n" + std::string(4000, 'c');
  int64_t id = Enqueue(4, text);
  store::Completion progress;
  progress.id = id;
  progress.status = store::MessageStatus::kQueued;
  progress.parts_sent = 1;  // the first part went out before a crash
  ASSERT_OK(Await(store_->Complete({progress})));
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return StatusOf(id) == store::MessageStatus::kSent; }));
  auto parts = api_.Accepted(4);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0] == std::string(4000, 'b')) << "the first part was sent again or cut differently";
  EXPECT_TRUE(parts[1] == std::string(4000, 'c'));
  EXPECT_EQ(Await(store_->GetMessage(id))->parts_sent, 3);
}

TEST_F(DispatcherFlowTest, SpreadingFourTwentyNinesLowerTheGlobalRate) {
  // Telegram's real limit is below the configured ceiling: 429s come from
  // many chats, the rate is cut and everything still arrives.
  options_.global_per_sec = 200;
  FakeBotApi::Limits real = EmulatorLimits();
  real.global_per_sec = 60;
  api_.EnforceLimits(real);
  std::vector<int64_t> ids;
  for (int i = 0; i < 120; ++i) ids.push_back(Enqueue(5000 + i, "m"));
  ASSERT_TRUE(
      Run([&](Dispatcher&, auto) { return CountStatus(ids, store::MessageStatus::kSent) == 120; }, 1s, 8s));
  EXPECT_GT(api_.limit_429s(), 0u);
  EXPECT_LT(last_stats_.global_rate, 200) << "the global rate was not lowered";
  EXPECT_GT(last_stats_.rate_limited, 0u);
  for (int i = 0; i < 120; ++i) EXPECT_EQ(api_.Accepted(5000 + i).size(), 1u);
}

TEST_F(DispatcherFlowTest, OneToOneOutcomesAreEventedAndBroadcastOnesCounted) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 600, store::UserStatus::kActive, 0})));
  ASSERT_OK(Await(store_->Bind({"default", "43", 601, store::UserStatus::kActive, 0})));
  api_.ScriptChat(601, 403,
                  R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  int64_t sent = Enqueue(600, "hi", "42");
  int64_t blocked = Enqueue(601, "hi", "43");
  auto created = Await(store_->CreateBroadcast(store::testing::NewsToAll("default"), WallMs()));
  ASSERT_OK(created);
  ASSERT_TRUE(Run([&](Dispatcher&, auto) {
    auto bc = Await(store_->GetBroadcast(created->id));
    return StatusOf(sent) == store::MessageStatus::kSent &&
           StatusOf(blocked) == store::MessageStatus::kFailed && bc.ok() && bc->pending == 0;
  }));
  EXPECT_EQ(Await(store_->GetMessage(blocked))->error, "blocked: bot was blocked by the user");
  std::map<std::string, boost::json::object> by_type;
  auto events = Await(store_->DueEvents(INT64_MAX, 100));
  ASSERT_OK(events);
  for (const auto& e : *events) {
    auto o = boost::json::parse(e.payload).as_object();
    std::string type(o.at("type").as_string());
    EXPECT_EQ(by_type.count(type), 0u) << "one event per outcome, none for broadcast messages: " << e.payload;
    by_type[type] = o;
  }
  ASSERT_EQ(by_type.count("message.sent"), 1u);
  const auto& ev = by_type["message.sent"];
  EXPECT_EQ(ev.at("bot"), "default");
  EXPECT_EQ(ev.at("id").to_number<int64_t>(), sent);
  EXPECT_EQ(ev.at("user"), "42");
  EXPECT_EQ(ev.at("chat_id").to_number<int64_t>(), 600);
  EXPECT_GT(ev.at("telegram_message_id").to_number<int64_t>(), 0);
  ASSERT_EQ(by_type.count("message.failed"), 1u);
  EXPECT_EQ(by_type["message.failed"].at("error"), "blocked: bot was blocked by the user");
  ASSERT_EQ(by_type.count("user.blocked"), 1u);
  EXPECT_EQ(by_type["user.blocked"].at("user"), "43");
  EXPECT_EQ(by_type["user.blocked"].at("chat_id").to_number<int64_t>(), 601);
}

// The user blocked the bot after messages to them were queued (the update
// processor marked the binding): each fails as the dispatcher loads it,
// unsent, a one-to-one message with its message.failed event, a
// broadcast's in its broadcast's counts.
TEST_F(DispatcherFlowTest, MessagesToAChatClosedSinceTheyWereQueuedFailUnsent) {
  ASSERT_OK(Await(store_->Bind({"default", "44", 602, store::UserStatus::kActive, 0})));
  ASSERT_OK(Await(store_->Bind({"default", "45", 603, store::UserStatus::kActive, 0})));
  const int64_t first = Enqueue(602, "one", "44");
  const int64_t second = Enqueue(602, "two", "44");
  const int64_t open = Enqueue(603, "three", "45");
  auto created = Await(store_->CreateBroadcast(store::testing::NewsToAll("default"), WallMs()));
  ASSERT_OK(created);
  ASSERT_OK(Await(store_->SetChatStatus("default", 602, store::UserStatus::kBlocked)));
  ASSERT_TRUE(Run([&](Dispatcher&, auto) {
    auto bc = Await(store_->GetBroadcast(created->id));
    return CountStatus({first, second}, store::MessageStatus::kFailed) == 2 &&
           StatusOf(open) == store::MessageStatus::kSent && bc.ok() && bc->pending == 0;
  }));
  for (const auto& call : api_.calls()) EXPECT_NE(call.params.at("chat_id").to_number<int64_t>(), 602);
  EXPECT_EQ(api_.Accepted(603), (std::vector<std::string>{"three", "news"}));
  EXPECT_EQ(Await(store_->GetMessage(first))->error, "blocked: the user blocked the bot or is deactivated");
  auto bc = Await(store_->GetBroadcast(created->id));
  EXPECT_EQ(bc->sent, 1);
  EXPECT_EQ(bc->failed, 1);
  EXPECT_EQ(last_stats_.failed, 3u);
  std::vector<int64_t> failed_events;
  auto events = Await(store_->DueEvents(INT64_MAX, 100));
  ASSERT_OK(events);
  for (const auto& e : *events) {
    auto o = boost::json::parse(e.payload).as_object();
    if (o.at("type") == "message.failed") failed_events.push_back(o.at("id").to_number<int64_t>());
  }
  EXPECT_EQ(failed_events, (std::vector<int64_t>{first, second}));
}

TEST_F(DispatcherFlowTest, NetworkJitterDrawsNo429s) {
  // Requests take 0-80 ms to arrive, in any order; the limits apply on
  // arrival. The dispatcher measures the spread of its round trips and widens
  // the windows by it (with the fixed 10 ms margin alone, this draws 429s).
  options_.global_per_sec = 200;
  api_.EnforceLimits(EmulatorLimits());
  api_.set_request_latency(0ms, 80ms);
  std::vector<int64_t> ids;
  for (int i = 0; i < 600; ++i) ids.push_back(Enqueue(7000 + i, "m"));
  ASSERT_TRUE(Run([&](Dispatcher&, auto) { return api_.accepted() == ids.size(); }, 1s, 8s));
  EXPECT_EQ(api_.limit_429s(), 0u);
  EXPECT_GE(last_stats_.jitter_margin_seconds, 0.075) << "the windows were not widened by the spread";
  EXPECT_LE(last_stats_.jitter_margin_seconds, 0.5);
  const auto& calls = api_.calls();
  double took = std::chrono::duration<double>(calls.back().at - calls.front().at).count() + 1.0 / 200;
  std::printf(
      "dispatcher: 600 messages with 0-80 ms jitter in %.3f s (%.3f x the minimum), margin %.0f ms, 429s: "
      "%zu\n",
      took, took / 3.0, last_stats_.jitter_margin_seconds * 1000, api_.limit_429s());
}

}  // namespace
}  // namespace tgate::dispatch
