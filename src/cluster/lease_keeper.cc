#include "cluster/lease_keeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>

#include "cluster/liveness_conninfo.h"
#include "cluster/rendezvous.h"
#include "core/log_stopped.h"

namespace tgate::cluster {

namespace {

// Connections of the keeper's pool: a pass uses one at a time; a second
// serves Drain while a pass still ends.
constexpr size_t kPoolSize = 2;

// How often Drain looks whether the pass under way has ended.
constexpr std::chrono::milliseconds kDrainPoll{10};

}  // namespace

Result<std::unique_ptr<LeaseKeeper>> LeaseKeeper::Create(asio::any_io_executor executor,
                                                         std::string_view conninfo, const Clock& clock,
                                                         Metrics* metrics, LeaseOptions options,
                                                         Callbacks callbacks) {
  TGATE_RETURN_IF_ERROR(ValidateLeaseOptions(options));
  TGATE_ASSIGN_OR_RETURN(std::string checked, WithLivenessChecks(conninfo, options.lease));
  return std::unique_ptr<LeaseKeeper>(new LeaseKeeper(std::move(executor), std::move(checked), clock, metrics,
                                                      std::move(options), std::move(callbacks)));
}

LeaseKeeper::LeaseKeeper(asio::any_io_executor executor, std::string conninfo, const Clock& clock,
                         Metrics* metrics, LeaseOptions options, Callbacks callbacks)
    : executor_(std::move(executor)),
      pool_(executor_, std::move(conninfo), kPoolSize),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      table_(pool_, options_),
      beat_timer_(clock.MakeTimer(executor_)),
      watch_timer_(clock.MakeTimer(executor_)) {
  for (const std::string& bot : options_.bots) metrics_.AddBot(bot);
}

LeaseKeeper::~LeaseKeeper() {
  life_.End();
  // The coroutines waiting on these resume (cancelled, or Unavailable for the
  // listener), see the Lifetime ended and return.
  beat_timer_->Cancel();
  watch_timer_->Cancel();
}

void LeaseKeeper::Start() {
  if (started_) return;
  started_ = true;
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("lease keeper " + id() + ": the pass loop"));
  asio::co_spawn(executor_, Watch(life_.token()),
                 LogStopped("lease keeper " + id() + ": the send-window watch"));
  asio::co_spawn(executor_, Listen(life_.token()), LogStopped("lease keeper " + id() + ": the listener"));
}

void LeaseKeeper::Wake() {
  pass_wanted_ = true;
  beat_timer_->Cancel();
}

bool LeaseKeeper::MaySend(std::string_view bot) const {
  auto it = held_.find(bot);
  return it != held_.end() && it->second.window.MaySend(clock_.Now());
}

std::optional<int64_t> LeaseKeeper::Epoch(std::string_view bot) const {
  auto it = held_.find(bot);
  if (it == held_.end()) return std::nullopt;
  return it->second.epoch;
}

std::vector<std::string> LeaseKeeper::owned() const {
  std::vector<std::string> out;
  for (const auto& [bot, h] : held_) out.push_back(bot);
  return out;
}

std::vector<Lease> LeaseKeeper::HeldLeases() const {
  std::vector<Lease> out;
  for (const auto& [bot, h] : held_) out.push_back({bot, h.epoch});
  return out;
}

Awaitable<void> LeaseKeeper::Loop(Lifetime::Token life) {
  for (;;) {
    pass_wanted_ = false;
    in_pass_ = true;
    Status s = co_await Pass(life);
    if (life.ended()) co_return;
    in_pass_ = false;
    if (draining_) co_return;
    // Logged when it changes, not every beat of an outage.
    if (!s.ok() && last_pass_ok_) {
      spdlog::warn("lease keeper {}: a pass failed ({}); the bots held stop when their send window closes",
                   id(), s.ToString());
    } else if (s.ok() && !last_pass_ok_) {
      spdlog::info("lease keeper {}: the database answers again", id());
    }
    last_pass_ok_ = s.ok();
    if (pass_wanted_) continue;
    beat_timer_->ExpiresAt(clock_.Now() + options_.beat);
    co_await beat_timer_->Wait();
    if (life.ended() || draining_) co_return;
  }
}

Awaitable<Status> LeaseKeeper::Pass(Lifetime::Token life) {
  const std::vector<Lease> sent_leases = HeldLeases();
  const SteadyTime beat_sent = clock_.Now();
  Result<BeatResult> beat = co_await table_.Beat(sent_leases);
  if (life.ended() || draining_) co_return Status::Ok();
  if (!beat.ok()) {
    for (const Lease& l : sent_leases) metrics_.RenewalFailed(l.bot);
    co_return beat.status();
  }
  ApplyRenewals(sent_leases, beat->renewed, beat_sent);

  std::vector<std::string> release, acquire;
  for (const std::string& bot : options_.bots) {
    const bool mine = DesiredOwner(bot, beat->live) == id();
    const bool held = held_.contains(bot);
    if (mine && !held) acquire.push_back(bot);
    if (!mine && held) Lose(bot, "desired by another instance");  // stops sending before the release
    if (!mine && unsure_.contains(bot)) release.push_back(bot);
  }
  if (!release.empty()) {
    Result<std::vector<std::string>> freed = co_await table_.Release(release);
    if (life.ended() || draining_) co_return Status::Ok();
    if (!freed.ok()) co_return freed.status();
    for (const std::string& bot : release) unsure_.erase(bot);
    if (!freed->empty())
      spdlog::info("lease keeper {}: released {} bot(s) for rebalance", id(), freed->size());
  }
  if (!acquire.empty()) {
    // Unsure until the answer says which were taken.
    unsure_.insert(acquire.begin(), acquire.end());
    const SteadyTime acquire_sent = clock_.Now();
    Result<std::vector<Lease>> taken = co_await table_.Acquire(acquire);
    if (life.ended() || draining_) co_return Status::Ok();
    if (!taken.ok()) co_return taken.status();
    for (const std::string& bot : acquire) unsure_.erase(bot);
    for (const Lease& l : *taken) Take(l, acquire_sent);
  }
  co_return Status::Ok();
}

void LeaseKeeper::ApplyRenewals(const std::vector<Lease>& sent_leases, const std::vector<Lease>& renewed,
                                SteadyTime sent) {
  for (const Lease& l : sent_leases) {
    auto it = held_.find(l.bot);
    // Lost meanwhile (the watch), or held at another epoch: not this renewal's.
    if (it == held_.end() || it->second.epoch != l.epoch) continue;
    if (std::find(renewed.begin(), renewed.end(), l) != renewed.end()) {
      it->second.window.Renewed(sent);
      metrics_.Renewed(l.bot);
    } else {
      metrics_.RenewalFailed(l.bot);
      Lose(l.bot, "the lease was taken over");
    }
  }
  // Windows moved: the watch looks again.
  watch_timer_->Cancel();
}

void LeaseKeeper::Take(const Lease& lease, SteadyTime sent) {
  Held h{lease.epoch, SendWindow(options_.lease, options_.margin)};
  h.window.Renewed(sent);
  if (!h.window.MaySend(clock_.Now())) {
    // The answer took longer than the window: starting the bot now would
    // only stop it at once. It stays unsure (released if desired elsewhere,
    // taken again by the next pass otherwise).
    unsure_.insert(lease.bot);
    spdlog::warn("lease keeper {}: bot {} acquired too late to send (a slow answer); trying again", id(),
                 lease.bot);
    return;
  }
  held_.insert_or_assign(lease.bot, h);
  metrics_.TookOver(lease.bot);
  metrics_.SetOwned(lease.bot, true);
  watch_timer_->Cancel();
  spdlog::info("lease keeper {}: bot {} owned here (epoch {})", id(), lease.bot, lease.epoch);
  if (callbacks_.on_acquired) callbacks_.on_acquired(lease.bot, lease.epoch);
}

void LeaseKeeper::Lose(const std::string& bot, std::string_view why) {
  auto it = held_.find(bot);
  if (it == held_.end()) return;
  held_.erase(it);
  unsure_.insert(bot);
  metrics_.SetOwned(bot, false);
  spdlog::info("lease keeper {}: bot {} no longer owned here: {}", id(), bot, why);
  if (callbacks_.on_lost) callbacks_.on_lost(bot);
}

void LeaseKeeper::ExpireWindows() {
  const SteadyTime now = clock_.Now();
  std::vector<std::string> closed;
  for (const auto& [bot, h] : held_) {
    if (!h.window.MaySend(now)) closed.push_back(bot);
  }
  for (const std::string& bot : closed) Lose(bot, "no renewal succeeded within lease - margin");
}

Awaitable<void> LeaseKeeper::Watch(Lifetime::Token life) {
  for (;;) {
    ExpireWindows();
    SteadyTime next = clock_.Now() + options_.forget_after;  // nothing held: sleep until woken
    for (const auto& [bot, h] : held_) next = std::min(next, h.window.until());
    watch_timer_->ExpiresAt(next);
    co_await watch_timer_->Wait();
    if (life.ended()) co_return;
  }
}

Awaitable<void> LeaseKeeper::Listen(Lifetime::Token life) {
  std::unique_ptr<Timer> retry = clock_.MakeTimer(executor_);
  for (;;) {
    Result<std::unique_ptr<pg::Connection>> c = co_await pg::Connection::Connect(executor_, pool_.conninfo());
    if (life.ended() || draining_) co_return;
    Status s = c.status();
    if (s.ok()) {
      listener_ = std::move(*c);
      s = co_await listener_->Listen(kLeasesChannel);
      if (life.ended() || draining_) co_return;
    }
    if (s.ok()) {
      Wake();  // what was notified while not listening
      for (;;) {
        Result<pg::Notification> n = co_await listener_->WaitNotification();
        if (life.ended() || draining_) co_return;
        if (!n.ok()) break;
        if (n->payload != id()) Wake();
      }
    }
    listener_.reset();
    retry->ExpiresAt(clock_.Now() + options_.beat);
    co_await retry->Wait();
    if (life.ended() || draining_) co_return;
  }
}

Awaitable<Status> LeaseKeeper::Drain() {
  Lifetime::Token life = life_.token();
  if (draining_) co_return Status::Ok();
  draining_ = true;
  // Sending stops before anything else, in memory.
  for (const std::string& bot : owned()) Lose(bot, "the instance drains");
  listener_.reset();
  beat_timer_->Cancel();
  // A pass under way stops at its next answer; what it took meanwhile is
  // released below with the rest.
  std::unique_ptr<Timer> poll = clock_.MakeTimer(executor_);
  const SteadyTime give_up = clock_.Now() + options_.lease;
  while (in_pass_ && clock_.Now() < give_up) {
    poll->ExpiresAt(clock_.Now() + kDrainPoll);
    co_await poll->Wait();
    if (life.ended()) co_return Status::Unavailable("the lease keeper stopped while draining");
  }
  Status marked = co_await table_.MarkDraining();
  if (life.ended()) co_return Status::Unavailable("the lease keeper stopped while draining");
  Result<std::vector<std::string>> freed = co_await table_.Leave();
  if (life.ended()) co_return Status::Unavailable("the lease keeper stopped while draining");
  life_.End();  // the watch and the loop are done
  watch_timer_->Cancel();
  if (!freed.ok()) {
    spdlog::warn("lease keeper {}: the drain's release failed ({}); the leases expire in {} ms", id(),
                 freed.status().ToString(), options_.lease.count());
    co_return freed.status();
  }
  unsure_.clear();
  spdlog::info("lease keeper {}: drained, {} lease(s) released", id(), freed->size());
  co_return marked;
}

}  // namespace tgate::cluster
