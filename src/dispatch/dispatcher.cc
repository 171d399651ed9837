#include "dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log_stopped.h"
#include "core/status_macros.h"
#include "core/utf8.h"
#include "dispatch/dispatcher_impl.h"
#include "dispatch/text_splitter.h"

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

constexpr size_t kDirectBatch = 2000;
constexpr auto kReloadEvery = std::chrono::seconds(5);  // safety net for work nobody announced
constexpr auto kLoadAhead = std::chrono::seconds(60);   // how early a broadcast message is loaded
constexpr size_t kBroadcastPage = 1024;                 // rows per read of one broadcast
// Rows a broadcast to "all" is materialized by at a time, as it drains: the
// loop waits for each chunk's insert, so it stays small (~10 ms per 1000).
constexpr size_t kFillChunk = 2000;
// Telegram's window for a group's messages (its limit is per minute).
constexpr auto kGroupWindow = std::chrono::seconds(60);

SchedulerLimits LimitsOf(const DispatcherOptions& o) {
  SchedulerLimits l;
  l.global_per_sec = o.global_per_sec;
  l.chat_per_sec = o.chat_per_sec;
  l.chat_burst = o.chat_burst;
  l.group_per_min = o.group_per_min;
  l.paid_per_sec = o.paid_per_sec;
  l.tick = o.tick;
  return l;
}

// Splits only plain text: formatted text over the limit was refused at submission.
std::vector<std::string> PartsOf(const store::Message& m, const json::object& params) {
  bool formatted = params.contains("parse_mode") || params.contains("entities");
  if (formatted || CountCodePoints(m.text) <= kMaxPartCodePoints) return {m.text};
  return SplitText(m.text);
}

}  // namespace

Dispatcher::Impl::Impl(asio::any_io_executor ex, store::Store& s, telegram::BotApi& a, const Clock& c,
                       DispatcherOptions o, asio::io_context* answers_io)
    : executor(ex),
      store(s),
      api(a),
      clock(c),
      options(std::move(o)),
      scheduler(LimitsOf(options)),
      timer(ex),
      answers(answers_io),
      send_executor(answers ? asio::any_io_executor(answers->get_executor()) : executor) {
  if (answers) answers_work.emplace(answers->get_executor());
  retry.max_attempts = options.max_attempts;
  retry.first_backoff = options.first_backoff;
}

int64_t Dispatcher::Impl::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count();
}

void Dispatcher::Impl::Wake() { timer.cancel(); }

void Dispatcher::Impl::PollAnswers() {
  if (answers) answers->poll();
}

void Dispatcher::Impl::WakeIfSooner(SteadyTime now) {
  // While the loop runs it looks at the state afresh before sleeping.
  if (sleeping_until == SteadyTime::min()) return;
  SteadyTime needed = in_flight + 1 == options.max_in_flight ? now : scheduler.NextWake(now);
  if (!completions.empty()) needed = std::min(needed, flush_due);
  // Waking costs more than it saves unless it is sooner by over a tick.
  if (needed + options.tick < sleeping_until) Wake();
}

void Dispatcher::Impl::MeasureRoundTrip(const Job& job, const telegram::ApiResult& r, SteadyTime now) {
  if (r.http_status == 0) return;  // no answer: its time says nothing about the trip
  // From when the scheduler counted the send: the delay before the request
  // left is part of how late it may arrive.
  rtt_spread.Add(now - job.released, now);
  const auto spread = rtt_spread.Spread(now);
  // Windows are re-set only when the spread moved by a millisecond or more.
  if (spread - applied_spread >= std::chrono::milliseconds(1) ||
      applied_spread - spread >= std::chrono::milliseconds(1)) {
    applied_spread = spread;
    scheduler.SetJitterMargin(spread);
  }
}

void Dispatcher::Impl::Admit(store::Message m, SteadyTime now, int64_t wall_ms) {
  if (loaded.count(m.id)) return;
  Loaded l;
  json::error_code ec;
  json::value opts = json::parse(m.options_json.empty() ? "{}" : m.options_json, ec);
  if (!ec && opts.is_object()) l.params = std::move(opts.as_object());
  l.parts = PartsOf(m, l.params);
  Job job;
  job.id = m.id;
  job.chat_id = m.chat_id;
  job.priority = m.priority;
  job.paid = m.paid;
  job.broadcast_id = m.broadcast_id;
  job.parts_sent = m.parts_sent;
  // not_before is wall time in the store; the scheduler runs on steady time.
  if (m.not_before_ms > wall_ms) job.not_before = now + std::chrono::milliseconds(m.not_before_ms - wall_ms);
  // max_queue_age counts from when the message was accepted, or from when it
  // was due if later (a spread broadcast's).
  const int64_t max_age_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.max_queue_age).count();
  l.deadline_ms = std::max(m.created_at * 1000, m.not_before_ms) + max_age_ms;
  if (m.expires_at_ms > 0 && m.expires_at_ms <= l.deadline_ms) {
    l.deadline_ms = m.expires_at_ms;
    l.deadline_is_ttl = true;
  }
  l.message = std::move(m);
  if (job.priority == store::Priority::kBroadcast) ++loaded_broadcast;
  auto& held = loaded.emplace(job.id, std::move(l)).first->second;
  if (held.deadline_ms <= wall_ms) {  // never sent late
    Expire(job, held);
    return;
  }
  next_deadline_ms = std::min(next_deadline_ms, held.deadline_ms);
  if (job.chat_id < 0) CountUnrecordedGroupSend(job, now);
  scheduler.Add(job);
}

Status Dispatcher::Impl::LoadDirect(SteadyTime now) {
  TGATE_ASSIGN_OR_RETURN(
      auto batch, store.LoadQueued(options.bot, store::Priority::kDirect, direct_after_id, kDirectBatch));
  int64_t wall_ms = WallMs();
  for (store::Message& m : batch) {
    direct_after_id = std::max(direct_after_id, m.id);
    Admit(std::move(m), now, wall_ms);
  }
  if (!batch.empty()) spdlog::debug("bot {}: loaded {} one-to-one messages", options.bot, batch.size());
  return Status::Ok();
}

// Each running broadcast is loaded on its own, oldest first, and only what
// falls due within kLoadAhead: a campaign spread over hours holds a minute of
// its messages in memory, not the whole window, so a newer broadcast finds
// room at once. Within a broadcast id order is due order, so its cursor only
// moves forward. The exception, a message waiting out a retry's backoff (it
// was in memory before a restart), comes with the rows after it and is
// admitted with its not_before: the scheduler holds it until then, as it
// would have had tgate not stopped. It takes a place in the window like any
// loaded message, and is due within the longest backoff.
Status Dispatcher::Impl::LoadBroadcasts(SteadyTime now) {
  // Materialize the next chunk of a big broadcast only as it is needed.
  TGATE_RETURN_IF_ERROR(
      store.FillBroadcasts(options.bot, std::min(kFillChunk, options.load_window / 2)).status());
  TGATE_ASSIGN_OR_RETURN(auto running, store.ActiveBroadcasts(options.bot));
  const int64_t wall_ms = WallMs();
  const int64_t due_by = wall_ms + std::chrono::duration_cast<std::chrono::milliseconds>(kLoadAhead).count();
  const size_t before = loaded_broadcast;
  bool full = false;
  for (int64_t id : running) {
    int64_t& after = broadcast_after[id];
    while (!full) {
      const size_t room = options.load_window - std::min(options.load_window, loaded_broadcast);
      if (room == 0) {
        full = true;
        break;
      }
      const size_t page = std::min(room, kBroadcastPage);
      TGATE_ASSIGN_OR_RETURN(auto batch, store.LoadBroadcastQueued(options.bot, id, after, due_by, page));
      for (store::Message& m : batch) {
        after = m.id;
        Admit(std::move(m), now, wall_ms);
      }
      if (batch.size() < page) break;  // the rest is not due yet, or there is none
    }
  }
  // Finished and cancelled broadcasts are not running any more.
  std::erase_if(broadcast_after, [&](const auto& kv) {
    return std::find(running.begin(), running.end(), kv.first) == running.end();
  });
  // Look again once half of what is loaded has gone (or the periodic reload,
  // or a new broadcast's Notify, finds more).
  reload_below = (full ? options.load_window : loaded_broadcast) / 2;
  if (loaded_broadcast > before) {
    spdlog::debug("bot {}: loaded {} broadcast messages", options.bot, loaded_broadcast - before);
  }
  return Status::Ok();
}

void Dispatcher::Impl::RestoreGroupWindows() {
  if (auto last = store.LastMessageId(); last.ok()) {
    last_id_before_start = *last;
  } else {
    last_id_before_start = INT64_MAX;  // then every group's first message counts: the safe side
  }
  // The store keeps whole seconds: a send written at second S happened
  // before S + 1, and counting it at S + 1 errs on the safe side.
  const int64_t wall_ms = WallMs();
  const auto since_s = wall_ms / 1000 - kGroupWindow.count() - 2;
  auto sends = store.RecentGroupSends(options.bot, since_s);
  if (!sends.ok()) {
    spdlog::warn("bot {}: cannot read what groups got before the restart ({}); a group may see a 429",
                 options.bot, sends.status().message());
    return;
  }
  const SteadyTime now = clock.Now();
  for (const store::GroupSend& g : *sends) {
    const auto ago = std::chrono::milliseconds(std::max<int64_t>(0, wall_ms - (g.at_s + 1) * 1000));
    for (int i = 0; i < g.parts; ++i) scheduler.RecordPastSend(g.chat_id, now - ago);
  }
  if (!sends->empty()) {
    spdlog::debug("bot {}: counted {} recent group messages against their windows", options.bot,
                  sends->size());
  }
}

void Dispatcher::Impl::CountUnrecordedGroupSend(const Job& job, SteadyTime now) {
  // Which group had a send in flight (or answered but not yet written) when
  // the process before was killed is not known, so each group with a message
  // from before the start gives up one slot of its first window.
  if (now >= started_at + kGroupWindow) {
    if (!groups_counted.empty()) groups_counted = {};
    return;
  }
  if (job.id > last_id_before_start) return;
  if (groups_counted.insert(job.chat_id).second) scheduler.RecordPastSend(job.chat_id, started_at);
}

void Dispatcher::Impl::Load(SteadyTime now, bool broadcasts) {
  Status s = broadcasts ? LoadBroadcasts(now) : LoadDirect(now);
  if (!s.ok()) {
    spdlog::error("bot {}: loading queued messages failed: {}", options.bot, s.message());
    need_load = true;
  }
  stats.loaded = loaded.size();
}

void Dispatcher::Impl::Launch(Job job) {
  ++in_flight;
  stats.in_flight = in_flight;
  asio::co_spawn(send_executor, Send(std::move(job)), [self = shared_from_this()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("bot {}: send failed unexpectedly: {}", self->options.bot, ex.what());
    }
  });
}

Awaitable<void> Dispatcher::Impl::Send(Job job) {
  auto self = shared_from_this();
  auto it = loaded.find(job.id);
  if (it == loaded.end()) {  // dropped meanwhile (cancelled, chat blocked)
    --in_flight;
    stats.in_flight = in_flight;
    scheduler.Done(job.chat_id, clock.Now());
    WakeIfSooner(clock.Now());  // a slot is free again
    co_return;
  }
  Loaded& m = it->second;
  if (m.deadline_ms <= WallMs()) {  // its deadline passed while it waited for its turn
    --in_flight;
    stats.in_flight = in_flight;
    Expire(job, m);
    ChatDone(job.chat_id, clock.Now());
    WakeIfSooner(clock.Now());
    co_return;
  }
  json::object params(m.params.size() + 3);  // room for what is added: no rehash
  for (const auto& kv : m.params) params.emplace(kv.key(), kv.value());
  params["chat_id"] = job.chat_id;
  size_t part = std::min<size_t>(job.parts_sent, m.parts.size() - 1);
  params["text"] = m.parts[part];
  if (job.paid) params["allow_paid_broadcast"] = true;
  ++m.message.attempts;
  m.ticket = outage.Ticket();
  telegram::ApiResult r = co_await api.Call("sendMessage", std::move(params), std::chrono::milliseconds(0));
  --in_flight;
  stats.in_flight = in_flight;
  OnAnswer(std::move(job), r);
  WakeIfSooner(clock.Now());
}

Awaitable<void> Dispatcher::Impl::Loop() {
  auto self = shared_from_this();
  while (!stopping) {
    PollAnswers();  // the answers that came in since the last round
    SteadyTime now = clock.Now();
    // Store work first: a send is counted against the limits when the
    // scheduler hands it out, so nothing slow may run between that and the
    // request leaving (a late write would reach Telegram bunched with later
    // ones).
    if (!completions.empty() && now >= flush_due) Flush();
    const bool reload = need_load || now >= next_reload;
    if (reload) {
      need_load = false;
      next_reload = now + kReloadEvery;
      Load(now, false);
    }
    const bool refill =
        (reload && loaded_broadcast < options.load_window / 2) || loaded_broadcast < reload_below;
    ExpireDue(WallMs());
    now = clock.Now();
    if (outage.ProbeDue(now)) LaunchProbe();
    AdaptRate(now);
    bool launched = false;
    // During a Bot API outage nothing is sent but the probes.
    while (!outage.active() && in_flight < options.max_in_flight) {
      auto job = scheduler.Next(now);
      if (!job) break;
      Launch(std::move(*job));
      launched = true;
    }
    // Let the sends just launched write their requests before anything else.
    if (launched && answers) PollAnswers();
    if (launched && !answers) co_await asio::post(executor, kUseAwaitable);
    // Loading broadcasts can take a while (materializing the next chunk), so
    // it comes after the sends just launched, one-to-one ones among them.
    if (refill) Load(clock.Now(), true);

    now = clock.Now();
    SteadyTime wake = std::min(scheduler.NextWake(now), next_reload);
    if (in_flight >= options.max_in_flight || outage.active()) wake = next_reload;  // a completion wakes us
    wake = std::min(wake, outage.NextProbe());
    // ... unless answers are polled: then look for them every tick.
    if (answers && (in_flight > 0 || outage.probe_in_flight())) wake = std::min(wake, now + options.tick);
    if (!completions.empty()) wake = std::min(wake, flush_due);
    if (wake > now) {
      timer.expires_after(wake - now);
      sleeping_until = wake;
      co_await timer.async_wait(kAsTuple);
      sleeping_until = SteadyTime::min();
    }
  }
}

Dispatcher::Dispatcher(asio::any_io_executor executor, store::Store& store, telegram::BotApi& api,
                       const Clock& clock, DispatcherOptions options, asio::io_context* answers)
    : impl_(std::make_shared<Impl>(executor, store, api, clock, std::move(options), answers)) {}

Dispatcher::~Dispatcher() {
  impl_->stopping = true;
  impl_->timer.cancel();
  // The loop's coroutine may keep Impl alive past this, even past the answers
  // io_context (its owner only promises it outlives the Dispatcher): let go
  // of it now, so Impl never touches it again.
  impl_->answers_work.reset();
  impl_->answers = nullptr;
  impl_->send_executor = impl_->executor;
}

void Dispatcher::Start() {
  if (impl_->started) return;
  impl_->started = true;
  // A restarted tgate does not know what it sent in the last moments before
  // it stopped, but Telegram does: wait out one global and one private-chat
  // window before the first send, and count what each group got in its last
  // minute (the store knows) against its window.
  const auto& o = impl_->options;
  auto window = std::chrono::duration<double>(std::max(1.0, o.chat_burst / o.chat_per_sec) * 1.02 + 0.01);
  impl_->scheduler.PauseAll(impl_->clock.Now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(window));
  impl_->RestoreGroupWindows();
  impl_->started_at = impl_->clock.Now();  // not before what RestoreGroupWindows counted
  asio::co_spawn(impl_->executor, impl_->Loop(),
                 LogStopped("bot " + impl_->options.bot + ": the dispatcher", spdlog::level::critical));
}

void Dispatcher::Notify() {
  impl_->need_load = true;
  impl_->Wake();
}

void Dispatcher::CancelBroadcast(int64_t broadcast_id) {
  for (int64_t id : impl_->scheduler.DropBroadcast(broadcast_id)) {
    if (impl_->loaded.erase(id)) --impl_->loaded_broadcast;
  }
  impl_->Wake();
}

Awaitable<void> Dispatcher::Stop(std::chrono::milliseconds grace) {
  auto impl = impl_;
  impl->stopping = true;
  impl->Wake();
  asio::steady_timer t(impl->executor);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    impl->PollAnswers();
    if (impl->in_flight == 0) break;
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(kAsTuple);
  }
  if (impl->in_flight > 0) {
    spdlog::warn("bot {}: {} sends still in flight at shutdown; they stay queued and may be sent again",
                 impl->options.bot, impl->in_flight);
  }
  impl->Flush();
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats s = impl_->stats;
  s.global_rate = impl_->scheduler.global_rate();
  s.jitter_margin_seconds = std::chrono::duration<double>(impl_->scheduler.jitter_margin()).count();
  s.loaded = impl_->loaded.size();
  s.outage = impl_->outage.active() ? 1 : 0;
  s.outage_seconds = impl_->outage.total(impl_->clock.Now()).count();
  return s;
}

}  // namespace tgate::dispatch
