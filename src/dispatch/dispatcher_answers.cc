// The Dispatcher's core taking Telegram's answers: routing them around a Bot
// API outage (probes, suspects) to the AnswerHandler, counting each message's
// fate, expiring messages past their deadline, and the bot-wide rate.
#include <spdlog/spdlog.h>

#include "dispatch/dispatcher_impl.h"

namespace tgate::dispatch {

namespace {

// No answer from Telegram at all, or its servers failing: what an outage looks like.
bool Unreachable(const telegram::ApiResult& r) {
  return r.kind == telegram::ErrorKind::kNetwork || r.kind == telegram::ErrorKind::kServerError;
}

}  // namespace

void Dispatcher::Impl::OnAnswer(Job job, const telegram::ApiResult& r) {
  const Loaded* m = held.Find(job.id);
  const uint64_t ticket = m ? m->ticket : 0;
  if (!Unreachable(r)) {
    outage.OnReachable(ticket);
    Apply(std::move(job), r);
    return;
  }
  if (outage.active()) {
    ReturnUnspent(job);
    return;
  }
  if (m && outage.Suspect(ticket)) {
    // Nothing sent after it was answered: is Telegram down, or just this
    // message's chat? The chat stays in flight until a probe says.
    suspects.emplace_back(std::move(job), r);
    outage.WantProbe();
    Wake();
    return;
  }
  Apply(std::move(job), r);
}

void Dispatcher::Impl::ReturnUnspent(const Job& job) {
  const SteadyTime now = clock.Now();
  Loaded* m = held.Find(job.id);
  if (!m) {  // cancelled meanwhile
    scheduler.Done(job.chat_id, now);
    return;
  }
  --m->message.attempts;  // Send counted it; Telegram never saw it
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
  if (stopping) co_return;
  OnProbe(!Unreachable(r), r.description);
  Wake();
}

void Dispatcher::Impl::OnProbe(bool reachable, const std::string& what) {
  const SteadyTime now = clock.Now();
  const auto change = outage.OnProbe(reachable, now);
  auto waiting = [&]() -> std::string {
    auto n = store.PendingMessages(options.bot);
    return n.ok() ? std::to_string(*n) : "an unknown number of";
  };
  if (change == OutageMonitor::Change::kStarted) {
    std::string send_error = suspects.empty() ? what : suspects.front().second.description;
    spdlog::warn(
        "bot {}: Telegram cannot be reached (sendMessage: {}; getMe: {}); sending paused, probing with "
        "backoff; messages waiting: {} (none fails before max_queue_age, {} s, or its ttl_seconds)",
        options.bot, send_error, what, waiting(), options.max_queue_age.count());
  } else if (change == OutageMonitor::Change::kEnded) {
    const double lasted = std::chrono::duration<double>(now - outage.since()).count();
    spdlog::info(
        "bot {}: Telegram reachable again after an outage of {:.0f} s; sending resumes; messages waiting: {}",
        options.bot, lasted, waiting());
  } else if (!reachable) {
    spdlog::debug("bot {}: Telegram still cannot be reached ({})", options.bot, what);
  }
  // The held failures: unspent in an outage; the message's own if Telegram
  // answered a probe sent after them; else held for the next probe.
  std::vector<std::pair<Job, telegram::ApiResult>> failures;
  failures.swap(suspects);
  for (auto& [job, r] : failures) {
    if (outage.active()) {
      ReturnUnspent(job);
    } else if (const Loaded* m = held.Find(job.id); m && outage.Suspect(m->ticket)) {
      suspects.emplace_back(std::move(job), std::move(r));
      outage.WantProbe();
    } else {
      Apply(std::move(job), r);
    }
  }
  stats.loaded = held.size();
}

void Dispatcher::Impl::ExpireDue(int64_t wall_ms) {
  if (wall_ms < held.next_deadline_ms()) return;
  int64_t next = INT64_MAX;
  for (const auto& [chat, id] : held.PastDeadline(wall_ms, &next)) {
    auto job = scheduler.DropJob(chat, id);
    if (!job) {  // in flight or held for a probe: looked at again in a second
      next = std::min(next, wall_ms + 1000);
      continue;
    }
    Expire(*job, *held.Find(id));
  }
  held.set_next_deadline_ms(next);
  stats.loaded = held.size();
}

void Dispatcher::Impl::Expire(const Job& job, Loaded& m) {
  std::string error = m.deadline_is_ttl ? "expired: its ttl_seconds passed before it could be sent"
                                        : "expired: it waited longer than max_queue_age (" +
                                              std::to_string(options.max_queue_age.count()) + " s)";
  CountFate(Fate::kExpired, stats);
  answer_handler.Finish(job, m, store::MessageStatus::kFailed, error);
}

void Dispatcher::Impl::Apply(Job job, const telegram::ApiResult& r) {
  const SteadyTime now = clock.Now();
  MeasureRoundTrip(job, r, now);
  Loaded* m = held.Find(job.id);
  if (!m) {  // cancelled while in flight: nothing to record
    scheduler.Done(job.chat_id, now);
    return;
  }
  const Decision d = answer_handler.Decide(*m, r);
  const Fate fate = answer_handler.Act(job, *m, r, d, now);
  CountFate(fate, stats);
  if (fate == Fate::kMigrated) return;  // its old chat was released with the move
  if (fate == Fate::kRateLimited) Record429(job, now, d.delay);
  writer.ChatDone(job.chat_id, now);
  stats.loaded = held.size();
}

void Dispatcher::Impl::Record429(const Job& job, SteadyTime now, std::chrono::milliseconds wait) {
  spdlog::warn("bot {}: Telegram said 429 (retry after {} ms) for a chat", options.bot, wait.count());
  if (!governor.On429(job.chat_id, job.released, now)) return;
  // 429s across several chats: the bot as a whole is over a limit Telegram
  // did not publish. Slow down and wait it out.
  scheduler.SetGlobalRate(governor.rate());
  scheduler.PauseAll(now + wait);
  spdlog::warn("bot {}: 429s across chats; global rate lowered to {:.1f}/s", options.bot, governor.rate());
}

void Dispatcher::Impl::AdaptRate(SteadyTime now) {
  if (!governor.Tick(now)) return;
  scheduler.SetGlobalRate(governor.rate());
  if (governor.rate() >= options.global_per_sec) {
    spdlog::info("bot {}: global rate back at its ceiling {:.1f}/s", options.bot, governor.rate());
  }
}

}  // namespace tgate::dispatch
