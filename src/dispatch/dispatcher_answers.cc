// The Dispatcher's core taking Telegram's answers: routing them through the
// OutageGate (and probing) to the AnswerHandler, counting each message's
// fate (and feeding it back into the limits), and expiring messages past
// their deadline.
#include <spdlog/spdlog.h>

#include "dispatch/dispatcher_impl.h"

namespace tgate::dispatch {

std::optional<Dispatcher::Impl::StoreWait> Dispatcher::Impl::OnAnswer(Job job, const telegram::ApiResult& r) {
  const Loaded* m = held.Find(job.id);
  switch (outage.OnAnswer(job, r, m ? m->ticket : 0, m != nullptr)) {
    case OutageGate::Route::kCounts:
      return Apply(std::move(job), r);
    case OutageGate::Route::kUnspent:
      ReturnUnspent(job);
      break;
    case OutageGate::Route::kHeld:  // its chat stays in flight until a probe says
      Wake();
      break;
  }
  return std::nullopt;
}

void Dispatcher::Impl::ReturnUnspent(const Job& job) {
  const SteadyTime now = clock.Now();
  Loaded* m = held.Find(job.id);
  if (!m) {  // cancelled meanwhile
    scheduler.Done(job.chat_id, now);
    return;
  }
  UncountSend(*m);  // Send counted it; Telegram never saw it
  scheduler.AddFront(job);
  writer.ChatDone(job.chat_id, now);
}

void Dispatcher::Impl::LaunchProbe() {
  outage.ProbeSent(clock.Now());
  asio::co_spawn(send_executor, Probe(), [self = shared_from_this()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("bot {}: probing Telegram failed unexpectedly: {}", self->options.bot, ex.what());
    }
  });
}

Awaitable<void> Dispatcher::Impl::Probe() {
  auto self = shared_from_this();
  telegram::ApiResult r = co_await api.Call("getMe", {}, options.probe_timeout);
  if (stopping || life.ended()) co_return;
  co_await OnProbe(!Unreachable(r), r.description);
  if (life.ended()) co_return;
  Wake();
}

Awaitable<void> Dispatcher::Impl::OnProbe(bool reachable, const std::string& what) {
  auto released = co_await outage.OnProbe(reachable, what, clock.Now(), held);
  if (life.ended()) co_return;
  for (auto& [job, r, route] : released) {
    if (route == OutageGate::Route::kUnspent) {
      ReturnUnspent(job);
    } else if (auto wait = Apply(std::move(job), r)) {
      co_await ApplyOnStore(std::move(*wait));
      if (life.ended()) co_return;
    }
  }
}

void Dispatcher::Impl::ExpireDue(int64_t wall_ms) {
  if (wall_ms < held.next_deadline_ms()) return;
  int64_t next = INT64_MAX;
  const auto past = held.PastDeadline(wall_ms, &next);
  for (const auto& [chat, id] : past) {
    auto job = scheduler.DropJob(chat, id);
    if (!job) {  // in flight or held for a probe: looked at again in a second
      next = std::min(next, wall_ms + 1000);
      continue;
    }
    Loaded* m = held.Find(id);
    if (m) Expire(*job, *m);
  }
  held.set_next_deadline_ms(next);
}

void Dispatcher::Impl::Expire(const Job& job, Loaded& m) {
  std::string error = m.deadline_is_ttl ? "expired: its ttl_seconds passed before it could be sent"
                                        : "expired: it waited longer than max_queue_age (" +
                                              std::to_string(options.max_queue_age.count()) + " s)";
  CountFate(Fate::kExpired, stats);
  answer_handler.Finish(job, m, store::MessageStatus::kFailed, error);
}

void Dispatcher::Impl::FailBlocked(const Job& job, Loaded& m) {
  CountFate(Fate::kBlocked, stats);
  answer_handler.Finish(job, m, store::MessageStatus::kFailed,
                        "blocked: the user blocked the bot or is deactivated");
}

std::optional<Dispatcher::Impl::StoreWait> Dispatcher::Impl::Apply(Job job, const telegram::ApiResult& r) {
  const SteadyTime now = clock.Now();
  feedback.OnAnswer(job, r, now);
  Loaded* m = held.Find(job.id);
  if (!m) {  // cancelled while in flight: nothing to record
    scheduler.Done(job.chat_id, now);
    return std::nullopt;
  }
  const Decision d = answer_handler.Decide(*m, r);
  const std::optional<Fate> fate = answer_handler.Act(job, *m, r, d, now);
  if (!fate) return StoreWait{std::move(job), r, d, now};
  Settle(job, *fate, d, now);
  return std::nullopt;
}

Awaitable<void> Dispatcher::Impl::ApplyOnStore(StoreWait w) {
  Loaded* m = held.Find(w.job.id);
  if (!m) {  // nothing runs between Apply and this; should it ever, as cancelled
    scheduler.Done(w.job.chat_id, w.now);
    co_return;
  }
  const Fate fate = co_await answer_handler.ActOnStore(w.job, *m, w.r, w.d, w.now);
  if (life.ended()) co_return;
  Settle(w.job, fate, w.d, w.now);
}

void Dispatcher::Impl::Settle(const Job& job, Fate fate, const Decision& d, SteadyTime now) {
  CountFate(fate, stats);
  if (fate == Fate::kMigrated) return;  // its old chat was released with the move
  if (fate == Fate::kRateLimited) feedback.On429(job, now, d.delay);
  writer.ChatDone(job.chat_id, now);
}

}  // namespace tgate::dispatch
