// Private to the dispatcher: the state behind Dispatcher (dispatcher.h). Its
// parts, each a concept of its own: LoadedMessages (the messages held in
// memory), QueueLoader (loading them), OutcomeWriter (writing outcomes back),
// RestartGuard (what a restart waits out), AnswerHandler (acting on each
// kind of answer), OutageGate (which answers count around a Bot API outage)
// and LimitFeedback (what the answers say about the limits). What is left
// here is the core: the loop, launching sends and waking (dispatcher.cc),
// and passing each answer through the parts, probing, and expiry
// (dispatcher_answers.cc).
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "core/lifetime.h"
#include "dispatch/answer_handler.h"
#include "dispatch/dispatcher.h"
#include "dispatch/limit_feedback.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/outage_gate.h"
#include "dispatch/outcome_writer.h"
#include "dispatch/queue_loader.h"
#include "dispatch/restart_guard.h"
#include "dispatch/scheduler.h"

namespace tgate::dispatch {

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(asio::any_io_executor ex, store::QueueStore& q, store::BroadcastStore& b, store::LinkStore& l,
       telegram::BotApi& a, const Clock& c, DispatcherOptions o, asio::io_context* answers);

  // dispatcher.cc: the loop, launching sends, waking. The coroutines check
  // `life` after each co_await (a store call included: it may suspend).
  Awaitable<void> Loop();
  // One round's work between reading answers and sleeping: starts the
  // store's work, then launches the sends the scheduler hands out. Whether
  // it launched any.
  bool Round();
  // The store's work, each beside the loop so a slow store (a round trip to
  // PostgreSQL) never holds up a send that is due: writing the batched
  // outcomes, and a pass that loads one-to-one messages (`reload`), fails
  // those past their deadline and loads broadcasts (`refill`). One of each
  // at a time; each wakes the loop when done.
  void LaunchFlush();
  Awaitable<void> FlushBeside();
  void LaunchStorePass(bool reload, bool refill);
  Awaitable<void> StorePass(bool reload, bool refill);
  // Whether the loop may start a store pass at `now` (none under way, and a
  // failed load waited out), and whether one is due.
  bool StorePassDue(SteadyTime now, bool* reload, bool* refill) const;
  // QueueLoader's admit: a message just loaded fails at once, unsent, if its
  // chat's user has blocked the bot (store::Message::chat_blocked) or it is
  // past its deadline, else goes to the scheduler (counted by the
  // RestartGuard first).
  void Admit(const Job& job, Loaded& m, SteadyTime now, int64_t wall_ms);
  void Launch(Job job);
  // At `m`'s first send: how long it waited in the queue (options.queue_wait).
  void ObserveQueueWait(Loaded& m);
  Awaitable<void> Send(Job job);
  void Wake();
  // Lets the requests written since the last poll read their answers
  // (http::NextPass), then runs what the answers io_context has ready
  // (answers read, requests written); nothing without one. For Stop(): the
  // loop's rounds do the same with the round in the same poll.
  void PollAnswers();
  // After a completion: wakes the loop only if it sleeps over a tick longer
  // than the new state needs (a freed slot, a chat's next message, a flush).
  void WakeIfSooner(SteadyTime now);

  // dispatcher_answers.cc
  // An answer whose verdict waits for the store (AnswerHandler::ActOnStore):
  // what Apply decided, for ApplyOnStore to carry out.
  struct StoreWait {
    Job job;
    telegram::ApiResult r;
    Decision d;
    SteadyTime now;
  };
  // Routes an answer through the OutageGate: to Apply, back to the queue
  // unspent, or held for a probe.
  std::optional<StoreWait> OnAnswer(Job job, const telegram::ApiResult& r);
  // Has the AnswerHandler act on the retry policy's decision, counts the
  // message's fate and releases its chat, all at once, as for nearly every
  // answer; or, for a verdict that waits for the store (a migrated or
  // blocked chat), returns it for ApplyOnStore, which the caller awaits at
  // once. So a send's answer is settled without a coroutine of its own.
  std::optional<StoreWait> Apply(Job job, const telegram::ApiResult& r);
  Awaitable<void> ApplyOnStore(StoreWait w);
  // After the AnswerHandler acted: counts the fate, feeds a 429 back into
  // the limits and releases the chat (not after a migration: it did).
  void Settle(const Job& job, Fate fate, const Decision& d, SteadyTime now);
  // The send failed because Telegram cannot be reached: back to the head of
  // its chat, its attempt not spent, nothing written.
  void ReturnUnspent(const Job& job);
  void LaunchProbe();
  Awaitable<void> Probe();
  // Acts on the held failures the probe's answer settles.
  Awaitable<void> OnProbe(bool reachable, const std::string& what);
  // Fails the loaded messages past their deadline that wait in the
  // scheduler (not those in flight).
  void ExpireDue(int64_t wall_ms);
  void Expire(const Job& job, Loaded& m);
  // Fails a message loaded to a chat closed since it was queued.
  void FailBlocked(const Job& job, Loaded& m);
  int64_t WallMs() const;

  asio::any_io_executor executor;
  store::QueueStore& queue_store;
  store::BroadcastStore& broadcast_store;
  store::LinkStore& link_store;
  telegram::BotApi& api;
  const Clock& clock;
  DispatcherOptions options;
  Scheduler scheduler;
  std::unique_ptr<Timer> timer;         // the loop's sleep, on `clock`'s time
  asio::io_context* answers;            // null: sends run on `executor`
  asio::any_io_executor send_executor;  // where sends run: `answers` or `executor`
  // Keeps `answers` from stopping (poll() would then do nothing) when idle.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> answers_work;
  SteadyTime sleeping_until = SteadyTime::min();  // min() while the loop runs
  // Ended by ~Dispatcher only (Stop() still lets the sends in flight land):
  // the coroutines, which keep this Impl alive, then touch nothing outside it
  // (the stores, the BotApi, the Clock may be gone). core/lifetime.h.
  // Declared before the parts, whose callbacks check it.
  Lifetime life;

  // The parts (see the top of this file), each given what it works on.
  LoadedMessages held;
  QueueLoader loader{
      queue_store,
      broadcast_store,
      clock,
      held,
      {options.bot, options.load_window, options.max_queue_age},
      [this](const Job& job, Loaded& m, SteadyTime now, int64_t wall_ms) { Admit(job, m, now, wall_ms); }};
  // on_events is called after a write, which may suspend: not once the
  // Dispatcher is gone (what it wakes may be gone too).
  OutcomeWriter writer{queue_store, clock, scheduler, {options.bot, options.flush_interval, [this] {
                                                         if (!life.ended() && options.on_events)
                                                           options.on_events();
                                                       }}};
  RestartGuard restart{
      queue_store, clock, scheduler, {options.bot, options.chat_per_sec, options.chat_burst}};
  AnswerHandler answer_handler{
      link_store,
      clock,
      scheduler,
      held,
      writer,
      restart,
      {options.bot, {.max_attempts = options.max_attempts, .first_backoff = options.first_backoff}}};

  // The round trips' spread and the 429s, fed back into the scheduler's limits.
  LimitFeedback feedback{scheduler, options.bot, options.global_per_sec};

  // Bot API outage: which answers count, and the failures held until a probe says.
  OutageGate outage{queue_store,
                    {options.bot, {options.probe_first, options.probe_max}, options.max_queue_age}};

  int in_flight = 0;
  bool round_may_send = true;  // the last Round's may_send
  bool store_pass_running = false;
  SteadyTime store_retry_at{};  // after a failed load, no pass before this
  bool started = false;
  bool stopping = false;  // by Stop() or ~Dispatcher: nothing new is sent
  DispatcherStats stats;
};

}  // namespace tgate::dispatch
