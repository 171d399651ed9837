#include "app/bot_runtime.h"

#include <spdlog/spdlog.h>

#include "core/log_stopped.h"
#include "webhook/long_poller.h"
#include "webhook/update_processor.h"

namespace tgate::app {
namespace {

// Adds the counts since a dispatcher started (not its gauges) to `into`.
void AddCounts(const dispatch::DispatcherStats& from, dispatch::DispatcherStats& into) {
  into.sent += from.sent;
  into.failed += from.failed;
  into.retried += from.retried;
  into.rate_limited += from.rate_limited;
  into.expired += from.expired;
  into.outage_seconds += from.outage_seconds;
}

}  // namespace

struct BotRuntime::Run {
  // The dispatcher's requests run on `answers`, which it polls once per tick
  // (see dispatcher.h); declared before what runs on it, so it outlives it.
  std::unique_ptr<asio::io_context> answers;
  std::unique_ptr<telegram::HttpBotApi> send_api;  // sendMessage, on `answers`
  std::unique_ptr<dispatch::Dispatcher> dispatcher;
  std::unique_ptr<webhook::UpdateProcessor> processor;
  std::unique_ptr<webhook::LongPoller> poller;
};

BotRuntime::BotRuntime(BotRuntimeDeps deps) : deps_(std::move(deps)) {}

BotRuntime::~BotRuntime() = default;

Status BotRuntime::Init() {
  telegram::HttpBotApiOptions ao;
  ao.token = deps_.bot.token;
  ao.base_url = deps_.bot.api_url;
  ao.max_connections = 4;  // getMe, getUpdates, webhook calls
  api_ = std::make_unique<telegram::HttpBotApi>(deps_.io.get_executor(), ao);
  if (Status s = api_->Init(); !s.ok())
    return Status(s.code(), "bot '" + deps_.bot.name + "': " + s.message());
  // The send client's options are the same but for its pool: checked here
  // once, so a Run never fails to start.
  return Status::Ok();
}

std::unique_ptr<BotRuntime::Run> BotRuntime::MakeRun(std::function<bool()> may_send) {
  const config::BotConfig& bc = deps_.bot;
  auto run = std::make_unique<Run>();
  run->answers = std::make_unique<asio::io_context>(1);
  telegram::HttpBotApiOptions ao;
  ao.token = bc.token;
  ao.base_url = bc.api_url;
  ao.max_connections = static_cast<size_t>(bc.limits.max_in_flight);
  ao.timer_stays_armed = true;  // `answers` is polled, and kept alive by its work guard
  // The dispatcher starts each round of `answers` with a Release().
  ao.read_at_next_pass = &http::NextPass::Of(*run->answers);
  run->send_api = std::make_unique<telegram::HttpBotApi>(run->answers->get_executor(), ao);
  (void)run->send_api->Init();  // the same token and URL Init() checked

  dispatch::DispatcherOptions d;
  d.bot = bc.name;
  static_cast<telegram::RateLimits&>(d) = bc.limits;
  d.max_in_flight = bc.limits.max_in_flight;
  d.max_attempts = bc.limits.max_attempts;
  d.max_queue_age = std::chrono::seconds(deps_.config.MaxQueueAgeSeconds(bc));
  d.on_events = deps_.wake_events;
  d.queue_wait = &queue_wait_;
  d.round_trip = &round_trip_;
  d.may_send = [this, generation = generation_, may_send = std::move(may_send)] {
    return generation == generation_ && (!may_send || may_send());
  };
  run->dispatcher =
      std::make_unique<dispatch::Dispatcher>(deps_.io.get_executor(), deps_.store, deps_.store, deps_.store,
                                             *run->send_api, deps_.clock, d, run->answers.get());
  webhook::ProcessorOptions po{bc.name, "", bc.welcome_text, bc.invalid_link_text};
  dispatch::Dispatcher* disp = run->dispatcher.get();
  run->processor = std::make_unique<webhook::UpdateProcessor>(
      deps_.io.get_executor(), deps_.store, deps_.linker, deps_.clock, po,
      webhook::ProcessorWakeUps{[disp] { disp->NotifyOneToOne(); }, deps_.wake_events});
  if (bc.long_polling) {
    webhook::UpdateProcessor* proc = run->processor.get();
    run->poller = std::make_unique<webhook::LongPoller>(deps_.io.get_executor(), *api_, deps_.store,
                                                        webhook::LongPollerOptions{bc.name}, proc,
                                                        [proc] { proc->Notify(); });
  }
  return run;
}

void BotRuntime::Own(std::function<bool()> may_send) {
  if (run_) return;
  ++generation_;
  if (retiring_ > 0) {
    pending_own_ = std::make_unique<std::function<bool()>>(std::move(may_send));
    spdlog::info("bot {}: owned; starts once the previous sender has stopped", deps_.bot.name);
    return;
  }
  StartRun(std::move(may_send));
}

void BotRuntime::StartRun(std::function<bool()> may_send) {
  run_ = MakeRun(std::move(may_send));
  run_->dispatcher->Start();
  run_->processor->Start();
  if (run_->poller) run_->poller->Start();
}

void BotRuntime::Disown() {
  ++generation_;  // the dispatcher starts no send from now on
  pending_own_.reset();
  if (!run_) return;
  asio::co_spawn(deps_.io, Retire(life_.token(), std::move(run_), deps_.retire_grace),
                 LogStopped("bot " + deps_.bot.name + ": retiring the sender"));
}

Awaitable<void> BotRuntime::Retire(Lifetime::Token life, std::unique_ptr<Run> run,
                                   std::chrono::milliseconds grace) {
  ++retiring_;
  retiring_runs_.push_back(run.get());
  if (run->poller) run->poller->Stop();
  run->processor->Stop();
  co_await run->dispatcher->Stop(grace);
  if (life.ended()) co_return;  // `run` goes with this frame
  // Out of the retiring and into the retired figures at once: no scrape in
  // between sees its counts missing.
  std::erase(retiring_runs_, run.get());
  AddUp(*run);
  run.reset();
  --retiring_;
  if (retiring_ == 0 && pending_own_) {
    std::function<bool()> may_send = std::move(*pending_own_);
    pending_own_.reset();
    StartRun(std::move(may_send));
  }
}

Awaitable<void> BotRuntime::Stop(std::chrono::milliseconds grace) {
  ++generation_;
  pending_own_.reset();
  Lifetime::Token life = life_.token();
  if (run_) co_await Retire(life, std::move(run_), grace);
  if (life.ended()) co_return;
  // A Run retired by an earlier Disown: wait for it (its grace bounds this).
  std::unique_ptr<Timer> t = deps_.clock.MakeTimer(deps_.io.get_executor());
  while (retiring_ > 0) {
    t->ExpiresAt(deps_.clock.Now() + std::chrono::milliseconds(10));
    co_await t->Wait();
    if (life.ended()) co_return;
  }
}

void BotRuntime::AddUp(const Run& run) {
  AddCounts(run.dispatcher->stats(), retired_);
  retired_set_aside_ += run.processor->set_aside();
}

void BotRuntime::NotifyQueue() {
  if (run_) run_->dispatcher->Notify();
}

void BotRuntime::NotifyOneToOne() {
  if (run_) run_->dispatcher->NotifyOneToOne();
}

void BotRuntime::NotifyUpdates() {
  if (run_) run_->processor->Notify();
}

webhook::UpdateProcessor* BotRuntime::processor() const { return run_ ? run_->processor.get() : nullptr; }

void BotRuntime::CancelBroadcast(int64_t broadcast_id) {
  if (run_) run_->dispatcher->CancelBroadcast(broadcast_id);
}

bool BotRuntime::outage() const { return run_ && run_->dispatcher->stats().outage != 0; }

dispatch::DispatcherStats BotRuntime::stats() const {
  dispatch::DispatcherStats s = run_ ? run_->dispatcher->stats() : dispatch::DispatcherStats{};
  AddCounts(retired_, s);
  for (const Run* r : retiring_runs_) AddCounts(r->dispatcher->stats(), s);
  return s;
}

uint64_t BotRuntime::set_aside() const {
  uint64_t n = retired_set_aside_ + (run_ ? run_->processor->set_aside() : 0);
  for (const Run* r : retiring_runs_) n += r->processor->set_aside();
  return n;
}

}  // namespace tgate::app
