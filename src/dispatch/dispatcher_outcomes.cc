// The Dispatcher acting on Telegram's answers (see retry_policy.h) and
// writing outcomes back to the Store in batches.
#include <spdlog/spdlog.h>

#include "core/status_macros.h"
#include "dispatch/dispatcher_impl.h"

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

constexpr size_t kFlushAtOnce = 512;  // completions per batch before flushing early
constexpr int kMaxRateLimited = 100;  // 429s for one message before it fails
}  // namespace

namespace {

// No answer from Telegram at all, or its servers failing: what an outage looks like.
bool Unreachable(const telegram::ApiResult& r) {
  return r.kind == telegram::ErrorKind::kNetwork || r.kind == telegram::ErrorKind::kServerError;
}

}  // namespace

void Dispatcher::Impl::OnAnswer(Job job, const telegram::ApiResult& r) {
  auto it = loaded.find(job.id);
  const uint64_t ticket = it == loaded.end() ? 0 : it->second.ticket;
  if (!Unreachable(r)) {
    outage.OnReachable(ticket);
    Apply(std::move(job), r);
    return;
  }
  if (outage.active()) {
    ReturnUnspent(job);
    return;
  }
  if (it != loaded.end() && outage.Suspect(ticket)) {
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
  auto it = loaded.find(job.id);
  if (it == loaded.end()) {  // cancelled meanwhile
    scheduler.Done(job.chat_id, now);
    return;
  }
  --it->second.message.attempts;  // Send counted it; Telegram never saw it
  scheduler.AddFront(job);
  ChatDone(job.chat_id, now);
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
  std::vector<std::pair<Job, telegram::ApiResult>> held;
  held.swap(suspects);
  for (auto& [job, r] : held) {
    if (outage.active()) {
      ReturnUnspent(job);
    } else if (auto it = loaded.find(job.id); it != loaded.end() && outage.Suspect(it->second.ticket)) {
      suspects.emplace_back(std::move(job), std::move(r));
      outage.WantProbe();
    } else {
      Apply(std::move(job), r);
    }
  }
  stats.loaded = loaded.size();
}

void Dispatcher::Impl::ExpireDue(int64_t wall_ms) {
  if (wall_ms < next_deadline_ms) return;
  int64_t next = INT64_MAX;
  std::vector<std::pair<int64_t, int64_t>> due;  // (chat, message id)
  for (const auto& [id, l] : loaded) {
    if (l.deadline_ms <= wall_ms)
      due.emplace_back(l.message.chat_id, id);
    else
      next = std::min(next, l.deadline_ms);
  }
  for (const auto& [chat, id] : due) {
    auto job = scheduler.DropJob(chat, id);
    if (!job) {  // in flight or held for a probe: looked at again in a second
      next = std::min(next, wall_ms + 1000);
      continue;
    }
    Expire(*job, loaded.at(id));
  }
  next_deadline_ms = next;
  stats.loaded = loaded.size();
}

void Dispatcher::Impl::Expire(const Job& job, const Loaded& m) {
  std::string error = m.deadline_is_ttl ? "expired: its ttl_seconds passed before it could be sent"
                                        : "expired: it waited longer than max_queue_age (" +
                                              std::to_string(options.max_queue_age.count()) + " s)";
  ++stats.failed;
  ++stats.expired;
  Finish(job, store::MessageStatus::kFailed, error);
}

void Dispatcher::Impl::Apply(Job job, const telegram::ApiResult& r) {
  SteadyTime now = clock.Now();
  MeasureRoundTrip(job, r, now);
  auto it = loaded.find(job.id);
  if (it == loaded.end()) {  // cancelled while in flight: nothing to record
    scheduler.Done(job.chat_id, now);
    return;
  }
  Loaded& m = it->second;
  if (r.transient() && r.kind != telegram::ErrorKind::kRetryAfter) ++m.transient_failures;
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  Decision d = Decide(r, m.transient_failures, retry, jitter(rng));
  switch (d.verdict) {
    case Verdict::kSent: {
      if (m.first_telegram_id == 0 && r.result.is_object()) {
        if (const json::value* id = r.result.as_object().if_contains("message_id"); id && id->is_int64()) {
          m.first_telegram_id = id->as_int64();
        }
      }
      ++job.parts_sent;
      if (static_cast<size_t>(job.parts_sent) < m.parts.size()) {
        // The next part goes next in this chat; progress is recorded so a
        // restart resumes at the next part.
        Progress(job, m, 0);
        scheduler.AddFront(job);
        break;
      }
      ++stats.sent;
      Finish(job, store::MessageStatus::kSent, "");
      break;
    }
    case Verdict::kWaitRetryAfter:
      ++stats.rate_limited;
      // A 429 uses up no attempt, but a chat Telegram keeps refusing must not
      // hold its message forever.
      if (++m.rate_limited > kMaxRateLimited) {
        ++stats.failed;
        Finish(job, store::MessageStatus::kFailed,
               "gave up after " + std::to_string(kMaxRateLimited) + " rate limits: " + r.description);
        break;
      }
      scheduler.ParkChat(job.chat_id, now + d.delay, now);
      scheduler.AddFront(job);
      // Written back too: a restart must not send into the window Telegram
      // told us to wait out (the message is loaded with its not_before, and
      // its chat's later messages queue behind it).
      Progress(job, m, WallMs() + d.delay.count());
      Record429(job, now, d.delay);
      break;
    case Verdict::kRetryLater:
      ++stats.retried;
      job.not_before = now + d.delay;
      Progress(job, m, WallMs() + d.delay.count());
      scheduler.AddFront(job);
      break;
    case Verdict::kPauseBot:
      spdlog::error("bot {}: Telegram rejected the token ({}); sending paused for {} s", options.bot, d.error,
                    d.delay.count() / 1000);
      scheduler.PauseAll(now + d.delay);
      scheduler.AddFront(job);
      break;
    case Verdict::kMigrate: {
      int64_t to = r.migrate_to_chat_id;
      Status s = store.MoveChat(options.bot, job.chat_id, to);
      if (!s.ok()) spdlog::error("bot {}: moving a migrated chat failed: {}", options.bot, s.message());
      spdlog::info("bot {}: group {} became supergroup {}; resending there", options.bot, job.chat_id, to);
      for (auto& [id, l] : loaded) {
        if (l.message.chat_id == job.chat_id) l.message.chat_id = to;
      }
      int64_t from = job.chat_id;
      scheduler.MoveChat(from, to, now);
      groups_counted.insert(to);  // it has sends of this process in its window now
      job.chat_id = to;
      scheduler.AddFront(job);
      scheduler.Done(from, now);
      return;
    }
    case Verdict::kBlocked:
      OnBlocked(job, m, d.error);
      break;
    case Verdict::kFailed:
      ++stats.failed;
      Finish(job, store::MessageStatus::kFailed, d.error);
      break;
  }
  ChatDone(job.chat_id, now);
  stats.loaded = loaded.size();
}

void Dispatcher::Impl::ChatDone(int64_t chat_id, SteadyTime now) {
  if (chat_id < 0 && !completions.empty()) {
    done_after_flush.push_back(chat_id);
    flush_due = std::min(flush_due, now);  // at the loop's next pass: the group waits for it
    return;
  }
  scheduler.Done(chat_id, now);
}

void Dispatcher::Impl::ReleaseChatsAfterFlush() {
  if (done_after_flush.empty()) return;
  const SteadyTime now = clock.Now();
  for (int64_t chat : done_after_flush) scheduler.Done(chat, now);
  done_after_flush.clear();
}

void Dispatcher::Impl::OnBlocked(const Job& job, Loaded& m, const std::string& reason) {
  // "blocked: bot was blocked by the user" / "blocked: user is deactivated".
  std::string_view why = reason;
  if (why.rfind("Forbidden: ", 0) == 0) why.remove_prefix(11);
  std::string error = "blocked: " + std::string(why);
  ++stats.failed;
  std::string user;
  if (auto b = store.GetBindingByChat(options.bot, job.chat_id); b.ok()) {
    user = b->user;
    if (b->status == store::UserStatus::kActive) {
      if (Status s = store.SetChatStatus(options.bot, job.chat_id, store::UserStatus::kBlocked); !s.ok()) {
        spdlog::error("bot {}: marking chat blocked failed: {}", options.bot, s.message());
      }
      Emit(json::object{{"type", "user.blocked"}, {"user", user}, {"chat_id", job.chat_id}});
    }
  }
  Finish(job, store::MessageStatus::kFailed, error);
  // Everything else queued to this chat fails the same way, in the store and here.
  Flush();
  if (auto ids = store.FailQueuedForChat(options.bot, job.chat_id, error); !ids.ok()) {
    spdlog::error("bot {}: failing a blocked chat's queue failed: {}", options.bot, ids.status().message());
  }
  for (int64_t id : scheduler.DropChat(job.chat_id)) {
    auto it = loaded.find(id);
    if (it == loaded.end()) continue;
    if (it->second.message.priority == store::Priority::kBroadcast)
      --loaded_broadcast;
    else
      Emit(json::object{{"type", "message.failed"}, {"id", id}, {"chat_id", job.chat_id}, {"error", error}});
    loaded.erase(it);
  }
}

void Dispatcher::Impl::Finish(const Job& job, store::MessageStatus status, const std::string& error) {
  auto it = loaded.find(job.id);
  if (it == loaded.end()) return;
  Loaded& m = it->second;
  store::Completion c;
  c.id = job.id;
  c.status = status;
  c.attempts = m.message.attempts;
  c.parts_sent = job.parts_sent;
  c.telegram_message_id = m.first_telegram_id;
  c.error = error;
  completions.push_back(std::move(c));
  if (m.message.priority == store::Priority::kDirect) {
    json::object ev{{"type", status == store::MessageStatus::kSent ? "message.sent" : "message.failed"},
                    {"id", job.id},
                    {"chat_id", job.chat_id}};
    if (!m.message.user.empty()) ev["user"] = m.message.user;
    if (m.first_telegram_id) ev["telegram_message_id"] = m.first_telegram_id;
    if (!error.empty()) ev["error"] = error;
    Emit(std::move(ev));
  } else {
    --loaded_broadcast;
  }
  loaded.erase(it);
  if (completions.size() == 1) flush_due = clock.Now() + options.flush_interval;
  if (completions.size() >= kFlushAtOnce) Flush();
}

void Dispatcher::Impl::Progress(const Job& job, const Loaded& m, int64_t not_before_ms) {
  store::Completion c;
  c.id = job.id;
  c.status = store::MessageStatus::kQueued;
  c.attempts = m.message.attempts;
  c.parts_sent = job.parts_sent;
  c.not_before_ms = not_before_ms;
  completions.push_back(std::move(c));
  if (completions.size() == 1) flush_due = clock.Now() + options.flush_interval;
}

void Dispatcher::Impl::Emit(json::object event) {
  event["bot"] = options.bot;
  events.push_back(json::serialize(event));
}

void Dispatcher::Impl::Flush() {
  if (completions.empty() && events.empty()) {
    ReleaseChatsAfterFlush();
    return;
  }
  int64_t now_ms = WallMs();
  Status s = store.RunInTransaction([&]() -> Status {
    if (!completions.empty()) TGATE_RETURN_IF_ERROR(store.Complete(completions));
    for (const std::string& e : events) TGATE_RETURN_IF_ERROR(store.AddEvent(e, now_ms));
    return Status::Ok();
  });
  if (!s.ok()) {
    // Kept in memory and tried again: the messages stay queued in the store meanwhile.
    spdlog::error("bot {}: writing {} outcomes failed: {}", options.bot, completions.size(), s.message());
    flush_due = clock.Now() + std::chrono::seconds(1);
    return;
  }
  bool had_events = !events.empty();
  completions.clear();
  events.clear();
  ReleaseChatsAfterFlush();
  if (had_events && options.on_events) options.on_events();
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
