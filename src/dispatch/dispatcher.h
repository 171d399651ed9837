// Dispatcher: the delivery engine of one bot. It loads queued messages from
// the Store, asks the Scheduler (pure, time as an argument) which one may go
// next within Telegram's limits, sends it through BotApi with many requests in
// flight (bounded), and writes outcomes back to the Store in batches. It reacts
// to Telegram's answers: 429 parks the chat for retry_after (and lowers the
// global rate when 429s spread across chats), 5xx/network retry with backoff,
// 403 blocked marks the user blocked, 400 chat not found fails, migration
// moves the chat. Emits message.sent / message.failed / user.blocked events to
// the Store's outbox. When Telegram cannot be reached at all (a Bot API
// outage, see outage_monitor.h) it pauses the bot, returns the failed sends to
// the queue without spending their attempts, probes with getMe and resumes
// once Telegram answers. A message past its deadline (ttl_seconds, or older
// than max_queue_age) fails as expired instead of being sent late.
// Threading: confined to the executor given at construction (single thread).
// The stores, BotApi and Clock must outlive the Dispatcher.
// Time: read from the Clock and waited on with the Clock's timers only
// (core/clock.h), so tests run it on a FakeClock, minutes in milliseconds.
// Answers: given an `answers` io_context (run by nobody else, on the same
// thread), the requests to Telegram run there and the loop polls it once per
// tick, so a tick's answers are read in one wake-up instead of one each (at
// most one tick later). Each round starts by releasing the answers' reads
// parked at its http::NextPass (a BotApi whose client waits there reads an
// answer at the round after its request was written, when it is there).
// Without it they run on the executor, as in tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/histogram.h"
#include "http/asio.h"
#include "store/broadcast_store.h"
#include "store/link_store.h"
#include "store/queue_store.h"
#include "telegram/bot_api.h"
#include "telegram/rate_limits.h"

namespace tgate::dispatch {

// Telegram's flood limits are the base (global_per_sec, chat_per_sec,
// chat_burst, group_per_min, paid_per_sec: ceilings the dispatcher keeps under).
struct DispatcherOptions : telegram::RateLimits {
  std::string bot = "default";
  int max_in_flight = 200;     // concurrent sendMessage requests
  int max_attempts = 8;        // transient failures before failing a message
  size_t load_window = 20000;  // most messages held in memory at once
  // Outcomes are written back once per this period, in one transaction:
  // its commit, its WAL frames and each broadcast's counts are shared by
  // every message answered in it. A kill -9 may send again what was answered
  // in the last period (besides what was in flight): at 40 ms, 40 messages
  // at the paid 1,000/s, 1 or 2 at the free 30/s. delivery_bench
  // --instructions (600/s, 6 messages a tick): 47,600 instructions a
  // delivered message at 10 ms, 44,900 at 40, 43,900 at 100.
  std::chrono::milliseconds flush_interval{40};
  // The loop wakes at most once per tick while sends wait on the global pace,
  // and sends what fell due meanwhile together: fewer wake-ups per message at
  // high rates, at most one tick of added latency.
  std::chrono::milliseconds tick{10};
  std::chrono::milliseconds first_backoff{1000};  // 5xx/network retry delay, doubled per attempt
  // A queued message older than this (from when it was accepted, or due for
  // a spread broadcast) fails as expired instead of being sent; it waits
  // through a Bot API outage up to this age without spending its attempts.
  std::chrono::seconds max_queue_age{86400};
  // Bot API outage (outage_monitor.h): getMe probes back off from
  // probe_first doubling to probe_max; each gives up after probe_timeout.
  std::chrono::milliseconds probe_first{1000};
  std::chrono::milliseconds probe_max{5000};
  std::chrono::milliseconds probe_timeout{5000};
  // Called after events were written to the outbox (wakes the events sender).
  std::function<void()> on_events;
  // Checked before each send is started: false holds every send back (the
  // messages stay queued; sends already under way finish). A cluster
  // instance passes its LeaseKeeper's MaySend(bot) (cluster/lease_keeper.h);
  // empty (SQLite, one instance): always true.
  std::function<bool()> may_send;
  // While may_send is false, how often it is asked again.
  std::chrono::milliseconds may_send_recheck{100};
  // Where the times are counted (null: not counted); they must outlive the
  // Dispatcher. queue_wait: seconds from when a message could go (accepted,
  // or due) to its first send. round_trip: seconds of each sendMessage that
  // Telegram answered (from the request's start to its answer being read, at
  // most one tick late when answers are polled).
  Histogram* queue_wait = nullptr;
  Histogram* round_trip = nullptr;
};

struct DispatcherStats {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t retried = 0;
  uint64_t rate_limited = 0;  // 429s received
  uint64_t in_flight = 0;
  uint64_t loaded = 0;               // messages held in memory
  uint64_t parked = 0;               // one-to-one messages of chats over their share, waiting by id
  uint64_t expired = 0;              // failed as expired (ttl_seconds or max_queue_age), also in `failed`
  uint64_t outage = 0;               // 1 while Telegram cannot be reached (sending paused), else 0
  double outage_seconds = 0;         // time spent in Bot API outages since the start
  double global_rate = 0;            // current effective global rate (msg/s)
  double jitter_margin_seconds = 0;  // windows widened for the measured spread of round trips
};

class Dispatcher {
 public:
  // `api` runs on `answers` when one is given (see Answers above); the
  // io_context must outlive the Dispatcher.
  // It loads and completes messages (`queue`), pages and cancels broadcasts
  // (`broadcasts`), and changes a chat's binding on Telegram's answers
  // (`links`: blocked, migrated); all three are usually one Store.
  Dispatcher(asio::any_io_executor executor, store::QueueStore& queue, store::BroadcastStore& broadcasts,
             store::LinkStore& links, telegram::BotApi& api, const Clock& clock, DispatcherOptions options,
             asio::io_context* answers = nullptr);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the delivery loop (loads everything queued, e.g. after a crash).
  void Start();
  // New work is in the Store (a message or broadcast was enqueued): wake up.
  void Notify();
  // A one-to-one message was enqueued: wake up and load it, without a look
  // at the broadcasts (QueueLoader::NotifyOneToOne).
  void NotifyOneToOne();
  // A broadcast was cancelled in the Store: drop its messages held in memory.
  void CancelBroadcast(int64_t broadcast_id);
  // Stops taking new work, waits for in-flight requests (up to `grace`), and
  // flushes their outcomes. Unsent messages stay queued in the Store.
  Awaitable<void> Stop(std::chrono::milliseconds grace);

  DispatcherStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgate::dispatch
