// BotRuntime: one configured bot on this instance. Always: its Bot API
// client for getMe and getUpdates. While this instance owns the bot (always
// on SQLite; the lease's holder on PostgreSQL, cluster/lease_keeper.h): a
// Run, the components that send and process for it — a Dispatcher (with its
// own Bot API client on its own `answers` io_context), the UpdateProcessor
// and, in long polling mode, the LongPoller. Own() builds a fresh Run, which
// behaves like a restarted dispatcher (it reloads the queue and waits out
// the windows of what was sent before); Disown() stops it sending at once
// and retires it in the background (sends under way finish within a grace,
// their outcomes are flushed). An Own() while the previous Run still retires
// waits for it, so two Runs of one bot never send at once in one process.
// Figures (DispatcherStats, set-aside updates, the histograms) add up over
// the Runs, a retiring one's included: a count never goes down when a Run
// retires or a new one starts (Prometheus would read a counter reset).
// Not the ownership decision (the LeaseKeeper, wired by the Gateway) and not
// the behaviour of what it runs (dispatch/, webhook/).
// Threading and lifetime: the io thread; destroying it ends the Run
// (Stop() first for a graceful end).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/histogram.h"
#include "core/lifetime.h"
#include "dispatch/dispatcher.h"
#include "http/asio.h"
#include "link/linker.h"
#include "store/store.h"
#include "telegram/http_bot_api.h"

namespace tgate::webhook {
class UpdateProcessor;
}

namespace tgate::app {

struct BotRuntimeDeps {
  asio::io_context& io;
  store::Store& store;
  link::Linker& linker;
  const Clock& clock;
  const config::Config& config;
  const config::BotConfig& bot;
  // Events were written to the outbox: wake whoever sends them.
  std::function<void()> wake_events;
  // How long a retired Run's sends under way may take to finish.
  std::chrono::milliseconds retire_grace{std::chrono::seconds(10)};
};

class BotRuntime {
 public:
  explicit BotRuntime(BotRuntimeDeps deps);
  ~BotRuntime();
  BotRuntime(const BotRuntime&) = delete;
  BotRuntime& operator=(const BotRuntime&) = delete;

  // Makes the getMe/getUpdates client; the error names the bot, never the token.
  Status Init();
  telegram::HttpBotApi& api() { return *api_; }
  const config::BotConfig& config() const { return deps_.bot; }

  // Starts sending and processing for the bot: a fresh Run whose dispatcher
  // sends only while `may_send` (empty: always) says so. Deferred while the
  // previous Run retires.
  void Own(std::function<bool()> may_send = {});
  // Stops sending at once; the Run retires in the background.
  void Disown();
  // Graceful end: the Run stops (sends under way finish within `grace`,
  // outcomes flushed) and every retiring Run is gone when this returns.
  Awaitable<void> Stop(std::chrono::milliseconds grace);

  bool owned() const { return run_ != nullptr; }
  bool long_polling() const { return deps_.bot.long_polling; }
  // New queued work in the store: wakes the dispatcher (if owned here).
  void NotifyQueue();
  // A new one-to-one message in the store: wakes the dispatcher to load it.
  void NotifyOneToOne();
  // New updates in the store: wakes the processor (if owned here).
  void NotifyUpdates();
  // The update processor where the bot is owned here, else null: received
  // updates are processed on receipt through it (webhook/update_receiver.h).
  webhook::UpdateProcessor* processor() const;
  // A broadcast was cancelled: drops what the dispatcher holds of it.
  void CancelBroadcast(int64_t broadcast_id);
  // Whether Telegram cannot be reached now (false where not owned: unknown).
  bool outage() const;
  // Totals over every Run of this process, gauges of the current one.
  dispatch::DispatcherStats stats() const;
  uint64_t set_aside() const;
  // Seconds from when a message could go to its first send, and of each
  // answered sendMessage (DispatcherOptions::queue_wait, round_trip).
  const Histogram& queue_wait() const { return queue_wait_; }
  const Histogram& round_trip() const { return round_trip_; }

 private:
  struct Run;
  std::unique_ptr<Run> MakeRun(std::function<bool()> may_send);
  void StartRun(std::function<bool()> may_send);
  // Stops `run` (taken out of run_ already) and adds up its figures.
  Awaitable<void> Retire(Lifetime::Token life, std::unique_ptr<Run> run, std::chrono::milliseconds grace);
  void AddUp(const Run& run);

  BotRuntimeDeps deps_;
  std::unique_ptr<telegram::HttpBotApi> api_;  // getMe, getUpdates, on the main io_context
  std::unique_ptr<Run> run_;
  // Bumped by each Own/Disown: a retired Run's dispatcher may no longer send
  // even if the bot is owned again meanwhile.
  uint64_t generation_ = 0;
  int retiring_ = 0;
  // An Own() that waits for the retiring Run: its may_send.
  std::unique_ptr<std::function<bool()>> pending_own_;
  // The Runs between Disown/Stop and their end: still counting (their sends
  // under way land), so still in stats(). Owned by their Retire coroutine.
  std::vector<const Run*> retiring_runs_;
  dispatch::DispatcherStats retired_;
  uint64_t retired_set_aside_ = 0;
  // Fixed buckets (seconds). Queue wait: a one-to-one message goes within
  // milliseconds; a broadcast's last ones wait minutes to an hour at the
  // limits; an outage holds them up to max_queue_age (a day).
  Histogram queue_wait_{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,  1,    2.5,
                        5,     10,   30,    60,   300, 900,  3600, 21600};
  // Telegram answers in about 50-300 ms; seconds mean trouble; the request
  // times out at 30 s (http_bot_api.h).
  Histogram round_trip_{0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30};
  Lifetime life_;  // last: ended first
};

}  // namespace tgate::app
