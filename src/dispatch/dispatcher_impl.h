// Private to the dispatcher: the state behind Dispatcher (dispatcher.h). Its
// parts, each a concept of its own: LoadedMessages (the messages held in
// memory), QueueLoader (loading them), OutcomeWriter (writing outcomes back),
// RestartGuard (what a restart waits out) and AnswerHandler (acting on each
// kind of answer). What is left here is the core: the loop and launching
// sends (dispatcher.cc), and routing the answers, around a Bot API outage,
// to the AnswerHandler, expiry and the bot-wide rate (dispatcher_answers.cc).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "dispatch/answer_handler.h"
#include "dispatch/dispatcher.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/outage_monitor.h"
#include "dispatch/outcome_writer.h"
#include "dispatch/queue_loader.h"
#include "dispatch/rate_governor.h"
#include "dispatch/restart_guard.h"
#include "dispatch/rtt_spread.h"
#include "dispatch/scheduler.h"

namespace tgate::dispatch {

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(asio::any_io_executor ex, store::Store& s, telegram::BotApi& a, const Clock& c, DispatcherOptions o,
       asio::io_context* answers);

  // dispatcher.cc: the loop, launching sends, waking.
  Awaitable<void> Loop();
  // QueueLoader's admit: a message just loaded fails at once if past its
  // deadline, else goes to the scheduler (counted by the RestartGuard first).
  void Admit(const Job& job, Loaded& m, SteadyTime now, int64_t wall_ms);
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

  // dispatcher_answers.cc
  // Routes an answer: a failure that may be a Bot API outage is held for a
  // probe (or returned unspent during one); the rest goes to Apply.
  void OnAnswer(Job job, const telegram::ApiResult& r);
  // Has the AnswerHandler act on the retry policy's decision, counts the
  // message's fate and releases its chat.
  void Apply(Job job, const telegram::ApiResult& r);
  // The send failed because Telegram cannot be reached: back to the head of
  // its chat, its attempt not spent, nothing written.
  void ReturnUnspent(const Job& job);
  void LaunchProbe();
  Awaitable<void> Probe();
  void OnProbe(bool reachable, const std::string& what);
  // Fails the loaded messages past their deadline that wait in the
  // scheduler (not those in flight).
  void ExpireDue(int64_t wall_ms);
  void Expire(const Job& job, Loaded& m);
  void Record429(const Job& job, SteadyTime now, std::chrono::milliseconds wait);
  void AdaptRate(SteadyTime now);
  int64_t WallMs() const;

  asio::any_io_executor executor;
  store::Store& store;
  telegram::BotApi& api;
  const Clock& clock;
  DispatcherOptions options;
  Scheduler scheduler;
  asio::steady_timer timer;
  asio::io_context* answers;            // null: sends run on `executor`
  asio::any_io_executor send_executor;  // where sends run: `answers` or `executor`
  // Keeps `answers` from stopping (poll() would then do nothing) when idle.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> answers_work;
  SteadyTime sleeping_until = SteadyTime::min();  // min() while the loop runs

  LoadedMessages held;
  QueueLoader loader;
  OutcomeWriter writer;
  RestartGuard restart;
  AnswerHandler answer_handler;

  // The spread of round trips (see MeasureRoundTrip), and what the scheduler was last given.
  RttSpread rtt_spread;
  std::chrono::steady_clock::duration applied_spread{};

  // Adaptive global rate (lowered when 429s spread across chats).
  RateGovernor governor{RateGovernorOptions{.ceiling = options.global_per_sec}};

  // Bot API outage: the failures held until a probe says (see OutageMonitor).
  OutageMonitor outage{OutageOptions{options.probe_first, options.probe_max}};
  std::vector<std::pair<Job, telegram::ApiResult>> suspects;

  int in_flight = 0;
  bool started = false;
  bool stopping = false;
  DispatcherStats stats;
};

}  // namespace tgate::dispatch
