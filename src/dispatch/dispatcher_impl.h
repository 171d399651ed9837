// Private to the dispatcher: the state behind Dispatcher (dispatcher.h),
// split over dispatcher.cc (loading, the loop, sending) and
// dispatcher_outcomes.cc (acting on Telegram's answers, writing back).
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "dispatch/dispatcher.h"
#include "dispatch/outage_monitor.h"
#include "dispatch/rate_governor.h"
#include "dispatch/retry_policy.h"
#include "dispatch/rtt_spread.h"
#include "dispatch/scheduler.h"

namespace tgate::dispatch {

// A message held in memory while it is being delivered.
struct Loaded {
  store::Message message;
  std::vector<std::string> parts;  // the text split for sending (one part if short)
  boost::json::object params;      // sendMessage fields other than chat_id/text
  int transient_failures = 0;
  int rate_limited = 0;  // 429s answered to this message
  int64_t first_telegram_id = 0;
  int64_t deadline_ms = INT64_MAX;  // wall ms: past it the message fails as expired
  bool deadline_is_ttl = false;     // the deadline is the site's ttl_seconds, not max_queue_age
  uint64_t ticket = 0;              // of its latest send (OutageMonitor::Ticket)
};

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(asio::any_io_executor ex, store::Store& s, telegram::BotApi& a, const Clock& c, DispatcherOptions o,
       asio::io_context* answers);

  // dispatcher.cc
  Awaitable<void> Loop();
  // At start: counts the sends the store says each group got within its
  // window before this process, so a restart does not send over the limit.
  void RestoreGroupWindows();
  // At a group's first message loaded within a window of the start, if it
  // was queued before the start: counts the one send of the group the
  // process before may have made without recording it (see ChatDone), at the
  // start.
  void CountUnrecordedGroupSend(const Job& job, SteadyTime now);
  void Load(SteadyTime now, bool broadcasts);  // one-to-one messages, or broadcasts
  Status LoadDirect(SteadyTime now);
  Status LoadBroadcasts(SteadyTime now);
  void Admit(store::Message m, SteadyTime now, int64_t wall_ms);  // loaded: hand it to the scheduler
  void Launch(Job job);
  Awaitable<void> Send(Job job);
  void Wake();
  // Runs what the answers io_context has ready (answers read, requests
  // written); nothing without one.
  void PollAnswers();
  // After a completion: wakes the loop only if it sleeps over a tick longer
  // than the new state needs (a freed slot, a chat's next message, a flush).
  void WakeIfSooner(SteadyTime now);
  // An answer came (any HTTP answer, not a transport failure): its round
  // trip feeds the spread the scheduler's windows are widened by.
  void MeasureRoundTrip(const Job& job, const telegram::ApiResult& r, SteadyTime now);

  // dispatcher_outcomes.cc
  // Routes an answer: a failure that may be a Bot API outage is held for a
  // probe (or returned unspent during one); the rest goes to Apply.
  void OnAnswer(Job job, const telegram::ApiResult& r);
  void Apply(Job job, const telegram::ApiResult& r);  // acts on the retry policy's decision
  // The send failed because Telegram cannot be reached: back to the head of
  // its chat, its attempt not spent, nothing written.
  void ReturnUnspent(const Job& job);
  void LaunchProbe();
  Awaitable<void> Probe();
  void OnProbe(bool reachable, const std::string& what);
  // Fails the loaded messages past their deadline that wait in the
  // scheduler (not those in flight).
  void ExpireDue(int64_t wall_ms);
  void Expire(const Job& job, const Loaded& m);
  // The chat's send is answered. A group (negative id) waits for its outcome
  // to be written before its next send, so a kill -9 leaves at most one of
  // its sends unrecorded; the store counts the rest against its 60 s window
  // after a restart.
  void ChatDone(int64_t chat_id, SteadyTime now);
  void ReleaseChatsAfterFlush();
  void OnBlocked(const Job& job, Loaded& m, const std::string& reason);
  void Finish(const Job& job, store::MessageStatus status, const std::string& error);
  void Progress(const Job& job, const Loaded& m, int64_t not_before_ms);
  void Record429(const Job& job, SteadyTime now, std::chrono::milliseconds wait);
  void AdaptRate(SteadyTime now);
  void Flush();
  void Emit(boost::json::object event);
  int64_t WallMs() const;

  asio::any_io_executor executor;
  store::Store& store;
  telegram::BotApi& api;
  const Clock& clock;
  DispatcherOptions options;
  RetryOptions retry;
  Scheduler scheduler;
  std::unique_ptr<Timer> timer;         // the loop's sleep, on `clock`'s time
  asio::io_context* answers;            // null: sends run on `executor`
  asio::any_io_executor send_executor;  // where sends run: `answers` or `executor`
  // Keeps `answers` from stopping (poll() would then do nothing) when idle.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> answers_work;
  SteadyTime sleeping_until = SteadyTime::min();  // min() while the loop runs

  std::unordered_map<int64_t, Loaded> loaded;
  int64_t direct_after_id = 0;                           // load cursor of one-to-one messages
  std::unordered_map<int64_t, int64_t> broadcast_after;  // load cursor of each running broadcast
  size_t loaded_broadcast = 0;
  bool need_load = true;
  size_t reload_below = 0;  // load broadcasts again once fewer are loaded
  SteadyTime next_reload{};

  std::vector<store::Completion> completions;
  std::vector<int64_t> done_after_flush;  // group chats whose next send waits for the flush
  SteadyTime started_at{};
  int64_t last_id_before_start = 0;            // messages up to it may have been sent by the process before
  std::unordered_set<int64_t> groups_counted;  // by CountUnrecordedGroupSend, in the first window
  std::vector<std::string> events;
  SteadyTime flush_due{};

  // The spread of round trips (see MeasureRoundTrip), and what the scheduler was last given.
  RttSpread rtt_spread;
  std::chrono::steady_clock::duration applied_spread{};

  // Adaptive global rate (lowered when 429s spread across chats).
  RateGovernor governor{RateGovernorOptions{.ceiling = options.global_per_sec}};

  // Bot API outage: the failures held until a probe says (see OutageMonitor).
  OutageMonitor outage{OutageOptions{options.probe_first, options.probe_max}};
  std::vector<std::pair<Job, telegram::ApiResult>> suspects;
  int64_t next_deadline_ms = INT64_MAX;  // the soonest deadline among loaded messages

  int in_flight = 0;
  bool started = false;
  bool stopping = false;
  DispatcherStats stats;
  std::mt19937 rng{12345};
};

}  // namespace tgate::dispatch
