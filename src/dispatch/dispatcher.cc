#include "dispatch/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log_stopped.h"
#include "dispatch/dispatcher_impl.h"
#include "http/next_pass.h"

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

// After a failed load the store is given this long before the next.
constexpr auto kRetryFailedLoad = std::chrono::seconds(1);

SchedulerLimits LimitsOf(const DispatcherOptions& o) {
  SchedulerLimits l;
  static_cast<telegram::RateLimits&>(l) = o;
  l.tick = o.tick;
  return l;
}

}  // namespace

Dispatcher::Impl::Impl(asio::any_io_executor ex, store::QueueStore& q, store::BroadcastStore& b,
                       store::LinkStore& l, telegram::BotApi& a, const Clock& c, DispatcherOptions o,
                       asio::io_context* answers_io)
    : executor(ex),
      queue_store(q),
      broadcast_store(b),
      link_store(l),
      api(a),
      clock(c),
      options(std::move(o)),
      scheduler(LimitsOf(options)),
      timer(c.MakeTimer(ex)),
      answers(answers_io),
      send_executor(answers ? asio::any_io_executor(answers->get_executor()) : executor) {
  if (answers) answers_work.emplace(answers->get_executor());
}

int64_t Dispatcher::Impl::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count();
}

void Dispatcher::Impl::Wake() { timer->Cancel(); }

void Dispatcher::Impl::PollAnswers() {
  if (!answers) return;
  http::NextPass::Of(*answers).Release();  // the answers of the requests written since the last round
  answers->poll();
}

void Dispatcher::Impl::WakeIfSooner(SteadyTime now) {
  // While the loop runs it looks at the state afresh before sleeping.
  if (sleeping_until == SteadyTime::min()) return;
  SteadyTime needed = in_flight + 1 == options.max_in_flight ? now : scheduler.NextWake(now);
  if (writer.has_completions() && !writer.flushing()) needed = std::min(needed, writer.flush_due());
  // Waking costs more than it saves unless it is sooner by over a tick.
  // (max(): nothing is due, and max() + tick would overflow.)
  if (needed != SteadyTime::max() && needed + options.tick < sleeping_until) Wake();
}

void Dispatcher::Impl::Admit(const Job& job, Loaded& m, SteadyTime now, int64_t wall_ms) {
  if (m.message.chat_blocked) {  // never sent to a user who blocked the bot
    FailBlocked(job, m);
    return;
  }
  if (m.deadline_ms <= wall_ms) {  // never sent late
    Expire(job, m);
    return;
  }
  held.set_next_deadline_ms(std::min(held.next_deadline_ms(), m.deadline_ms));
  if (job.chat_id < 0) restart.OnGroupJobLoaded(job, now);
  scheduler.Add(job);
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

void Dispatcher::Impl::ObserveQueueWait(Loaded& m) {
  // Its first send ever: not a retry, not a later part, not a send returned
  // unspent by an outage (attempts is taken back then), not one after a restart.
  if (!options.queue_wait || m.wait_observed || m.message.attempts != 0 || m.message.parts_sent != 0) return;
  m.wait_observed = true;
  options.queue_wait->Observe(double(std::max<int64_t>(0, WallMs() - m.ready_ms)) / 1000.0);
}

Awaitable<void> Dispatcher::Impl::Send(Job job) {
  auto self = shared_from_this();
  Loaded* m = held.Find(job.id);
  if (!m) {  // dropped meanwhile (cancelled, chat blocked)
    --in_flight;
    stats.in_flight = in_flight;
    scheduler.Done(job.chat_id, clock.Now());
    WakeIfSooner(clock.Now());  // a slot is free again
    co_return;
  }
  if (m->deadline_ms <= WallMs()) {  // its deadline passed while it waited for its turn
    --in_flight;
    stats.in_flight = in_flight;
    Expire(job, *m);
    writer.ChatDone(job.chat_id, clock.Now());
    WakeIfSooner(clock.Now());
    co_return;
  }
  std::string body = SendBody(job, *m);
  ObserveQueueWait(*m);
  CountSend(*m);
  m->ticket = outage.Ticket();
  const SteadyTime started = clock.Now();
  // Of a sent message's answer only its message_id is read (no DOM of it).
  telegram::ApiResult r = co_await api.CallJson("sendMessage", std::move(body), std::chrono::milliseconds(0),
                                                telegram::ResultUse::kMessageId);
  if (life.ended()) co_return;  // answered after ~Dispatcher: it stays queued in the store
  // A transport failure's time says nothing about Telegram's round trip.
  if (options.round_trip && r.http_status != 0)
    options.round_trip->Observe(std::chrono::duration<double>(clock.Now() - started).count());
  --in_flight;
  stats.in_flight = in_flight;
  if (auto wait = OnAnswer(std::move(job), r)) {
    co_await ApplyOnStore(std::move(*wait));
    if (life.ended()) co_return;
  }
  WakeIfSooner(clock.Now());
}

bool Dispatcher::Impl::Round() {
  const SteadyTime now = clock.Now();
  // The store's work is started here and runs beside the sends (it may
  // suspend on a round trip): a send is counted against the limits when
  // the scheduler hands it out, so nothing slow may run between that and
  // the request leaving (a late write would reach Telegram bunched with
  // later ones), and a send that is due never waits for the store.
  if (writer.has_completions() && !writer.flushing() && now >= writer.flush_due()) LaunchFlush();
  bool reload = false, refill = false;
  if (StorePassDue(now, &reload, &refill)) LaunchStorePass(reload, refill);
  if (outage.ProbeDue(now)) LaunchProbe();
  feedback.Tick(now);
  bool launched = false;
  // During a Bot API outage nothing is sent but the probes. Nor while this
  // instance may not send for the bot (its lease's send window closed): a
  // job the scheduler hands out counts against the limits, so none is taken.
  // Nor while outcome writes fail or hang (the database cut off): a send
  // whose outcome cannot be recorded would be sent again by whoever goes on.
  const bool may_send = (!options.may_send || options.may_send()) && !writer.HoldsSends(now);
  round_may_send = may_send;
  while (may_send && !outage.active() && in_flight < options.max_in_flight) {
    auto job = scheduler.Next(now);
    if (!job) break;
    Launch(std::move(*job));
    launched = true;
  }
  return launched;
}

Awaitable<void> Dispatcher::Impl::Loop() {
  auto self = shared_from_this();
  // What the process before may have sent is waited out first.
  co_await restart.Start();
  if (life.ended()) co_return;
  while (!stopping) {
    if (answers) {
      // One pass of the answers io_context a round (two epoll_waits, where
      // a poll for the answers and one for the sends took four): the reads
      // of the answers are let on and queue what they found, the round comes
      // after those, and the sends it launches run inside the same poll
      // (Launch's co_spawn starts them at once there) until they have
      // written their requests. Answers that came through epoll instead
      // (slower than a tick) are handled after the round: their chats are
      // free for the next one.
      http::NextPass::Of(*answers).Release();
      asio::post(*answers, [self] {
        if (!self->life.ended()) self->Round();
      });
      answers->poll();
    } else if (Round()) {
      co_await asio::post(executor, kUseAwaitable);  // let the sends just launched write their requests
    }
    if (life.ended()) co_return;

    const SteadyTime now = clock.Now();
    // A store pass under way wakes the loop when done; until then the
    // reload it is doing is not due again.
    const SteadyTime reload_at =
        store_pass_running ? SteadyTime::max() : std::max(loader.next_reload(), store_retry_at);
    SteadyTime wake = std::min(scheduler.NextWake(now), reload_at);
    if (in_flight >= options.max_in_flight || outage.active()) wake = reload_at;  // a completion wakes us
    if (!round_may_send) wake = std::min(reload_at, now + options.may_send_recheck);
    wake = std::min(wake, outage.NextProbe());
    // ... unless answers are polled: then look for them every tick.
    if (answers && (in_flight > 0 || outage.probe_in_flight())) wake = std::min(wake, now + options.tick);
    // The outcomes are written at the batch's due time, or at a wake that
    // comes within a tick after it anyway: the batch's first answer was read
    // at a round, so its due time falls just before the next round's, and a
    // wake of its own would be one more pass of the loop for every tick
    // (the batch is no bigger for it: one batch, written a little later).
    if (writer.has_completions() && !writer.flushing() && wake > writer.flush_due() + options.tick)
      wake = writer.flush_due();
    if (wake > now) {
      timer->ExpiresAt(wake);
      sleeping_until = wake;
      co_await timer->Wait();
      if (life.ended()) co_return;
      sleeping_until = SteadyTime::min();
    }
  }
}

bool Dispatcher::Impl::StorePassDue(SteadyTime now, bool* reload, bool* refill) const {
  if (store_pass_running || now < store_retry_at) return false;
  *reload = loader.DirectDue(now);
  *refill = loader.BroadcastsDue(*reload);
  return *reload || *refill || WallMs() >= held.next_deadline_ms();
}

void Dispatcher::Impl::LaunchFlush() {
  asio::co_spawn(executor, FlushBeside(),
                 LogStopped("bot " + options.bot + ": writing outcomes", spdlog::level::err));
}

Awaitable<void> Dispatcher::Impl::FlushBeside() {
  auto self = shared_from_this();
  co_await writer.Flush();
  if (life.ended()) co_return;
  Wake();  // groups released, a failed write's retry time, the next batch due
}

void Dispatcher::Impl::LaunchStorePass(bool reload, bool refill) {
  store_pass_running = true;
  asio::co_spawn(executor, StorePass(reload, refill),
                 LogStopped("bot " + options.bot + ": loading queued messages", spdlog::level::err));
}

Awaitable<void> Dispatcher::Impl::StorePass(bool reload, bool refill) {
  auto self = shared_from_this();
  if (reload) {
    co_await loader.LoadDirect(clock.Now());
    if (life.ended()) co_return;
  }
  ExpireDue(WallMs());
  // Loading broadcasts can take a while (materializing the next chunk), so
  // it comes last.
  if (refill) {
    co_await loader.LoadBroadcasts(clock.Now());
    if (life.ended()) co_return;
  }
  if (loader.last_load_failed()) store_retry_at = clock.Now() + kRetryFailedLoad;
  store_pass_running = false;
  Wake();
}

Dispatcher::Dispatcher(asio::any_io_executor executor, store::QueueStore& queue,
                       store::BroadcastStore& broadcasts, store::LinkStore& links, telegram::BotApi& api,
                       const Clock& clock, DispatcherOptions options, asio::io_context* answers)
    : impl_(std::make_shared<Impl>(executor, queue, broadcasts, links, api, clock, std::move(options),
                                   answers)) {}

Dispatcher::~Dispatcher() {
  impl_->stopping = true;
  impl_->life.End();
  impl_->timer->Cancel();
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
  asio::co_spawn(impl_->executor, impl_->Loop(),
                 LogStopped("bot " + impl_->options.bot + ": the dispatcher", spdlog::level::critical));
}

void Dispatcher::Notify() {
  impl_->loader.Notify();
  impl_->Wake();
}

void Dispatcher::NotifyOneToOne() {
  impl_->loader.NotifyOneToOne();
  impl_->Wake();
}

void Dispatcher::CancelBroadcast(int64_t broadcast_id) {
  for (int64_t id : impl_->scheduler.DropBroadcast(broadcast_id)) impl_->held.Erase(id);
  impl_->Wake();
}

Awaitable<void> Dispatcher::Stop(std::chrono::milliseconds grace) {
  auto impl = impl_;
  impl->stopping = true;
  impl->Wake();
  std::unique_ptr<Timer> t = impl->clock.MakeTimer(impl->executor);
  const SteadyTime deadline = impl->clock.Now() + grace;
  while (impl->in_flight > 0 && impl->clock.Now() < deadline) {
    impl->PollAnswers();
    if (impl->in_flight == 0) break;
    t->ExpiresAt(impl->clock.Now() + std::chrono::milliseconds(10));
    co_await t->Wait();
  }
  if (impl->in_flight > 0) {
    spdlog::warn("bot {}: {} sends still in flight at shutdown; they stay queued and may be sent again",
                 impl->options.bot, impl->in_flight);
  }
  // A write under way beside the loop holds only its own batch: the rest is
  // written once it is done (if it is done within the grace: a write that
  // hangs leaves the rest queued in the store, sent again after a restart).
  while (impl->writer.flushing() && !impl->life.ended() && impl->clock.Now() < deadline) {
    t->ExpiresAt(impl->clock.Now() + std::chrono::milliseconds(1));
    co_await t->Wait();
  }
  co_await impl->writer.Flush();
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats s = impl_->stats;
  s.global_rate = impl_->scheduler.global_rate();
  s.jitter_margin_seconds = std::chrono::duration<double>(impl_->scheduler.jitter_margin()).count();
  s.loaded = impl_->held.size();
  s.parked = impl_->loader.parked();
  s.outage = impl_->outage.active() ? 1 : 0;
  s.outage_seconds = impl_->outage.total(impl_->clock.Now()).count();
  return s;
}

}  // namespace tgate::dispatch
