#include "app/status_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

#include "app/build_info.h"
#include "cluster/instances.h"
#include "cluster/lease_options.h"
#include "core/log_stopped.h"

namespace tgate::app {
namespace {

constexpr size_t kFailuresShown = 10;
constexpr int64_t kFailuresScan = 20000;  // newest messages looked through for failures

}  // namespace

StatusSource::StatusSource(StatusSourceDeps deps) : deps_(std::move(deps)) {
  for (const auto& [name, rt] : deps_.bots) per_bot_.emplace(name, std::make_unique<PerBot>(deps_.clock));
}

StatusSource::~StatusSource() = default;

void StatusSource::Start() {
  asio::co_spawn(deps_.executor, SampleLoop(life_.token()), LogStopped("status: send rate sampler"));
}

Awaitable<void> StatusSource::SampleLoop(Lifetime::Token life) {
  while (!life.ended()) {
    for (const auto& [name, rt] : deps_.bots) per_bot_.at(name)->rate.Sample(rt->stats().sent);
    co_await life.Sleep(std::chrono::seconds(1));
  }
}

std::function<void(const boost::json::object&)> StatusSource::WebhookObserver(const std::string& bot) {
  PerBot* pb = per_bot_.at(bot).get();
  Lifetime::Token life = life_.token();
  return [pb, life](const boost::json::object& info) {
    if (life.ended()) return;
    status::WebhookHealth& h = pb->webhook;
    h.checked = true;
    const auto* url = info.if_contains("url");
    h.url_set = url && url->is_string() && !url->as_string().empty();
    const auto* err = info.if_contains("last_error_message");
    h.last_error_message = err && err->is_string() ? std::string(err->as_string()) : "";
    const auto* date = info.if_contains("last_error_date");
    h.last_error_date = date && date->is_int64() ? date->as_int64() : 0;
    const auto* pending = info.if_contains("pending_update_count");
    h.pending_update_count = pending && pending->is_int64() ? pending->as_int64() : 0;
  };
}

Awaitable<status::StatusSnapshot> StatusSource::Gather() {
  Lifetime::Token life = life_.token();
  status::StatusSnapshot s;
  s.version = std::string(Version());
  s.now_s = deps_.clock.UnixSeconds();
  if (deps_.instance_id) s.instance = deps_.instance_id();
  const double now_mono = std::chrono::duration<double>(deps_.clock.Now().time_since_epoch()).count();
  bool some_elsewhere = false;
  for (const auto& [name, rt] : deps_.bots) {
    PerBot& pb = *per_bot_.at(name);
    status::BotStatus b;
    b.name = name;
    if (auto it = deps_.context.bots.find(name); it != deps_.context.bots.end())
      b.username = it->second.username;
    b.long_polling = rt->long_polling();
    b.limit_per_second = rt->config().limits.global_per_sec;
    b.webhook = pb.webhook;
    b.owned = rt->owned();
    some_elsewhere |= !b.owned;
    if (b.owned) {
      const dispatch::DispatcherStats st = rt->stats();
      b.sent = st.sent;
      b.failed = st.failed;
      b.retried = st.retried;
      b.rate_limited = st.rate_limited;
      b.in_flight = st.in_flight;
      b.loaded = st.loaded;
      b.outage = st.outage != 0;
      b.global_rate = st.global_rate;
      b.rate = pb.rate.Points();
      b.rate_interval_s = double(pb.rate.interval().count());
    }
    auto depth = co_await deps_.store.PendingMessages(name);
    if (life.ended()) co_return s;
    b.queue_depth = depth.ok() ? *depth : -1;
    auto running = co_await deps_.store.ActiveBroadcasts(name);
    if (life.ended()) co_return s;
    if (running.ok()) {
      for (int64_t id : *running) {
        auto bc = co_await deps_.store.GetBroadcast(id);
        if (life.ended()) co_return s;
        if (!bc.ok()) continue;
        status::BroadcastProgress p{.id = bc->id,
                                    .total = bc->total,
                                    .sent = bc->sent,
                                    .failed = bc->failed,
                                    .skipped = bc->skipped,
                                    .cancelled = bc->cancelled,
                                    .pending = bc->pending};
        pb.pace.Update(p, now_mono);
        b.broadcasts.push_back(p);
      }
      pb.pace.Retain(*running);
    }
    auto failures = co_await deps_.store.RecentFailures(name, kFailuresShown, kFailuresScan);
    if (life.ended()) co_return s;
    if (failures.ok()) {
      for (const store::Message& m : *failures) {
        b.failures.push_back({m.id, m.user, m.error, m.updated_at});
      }
    }
    s.bots.push_back(std::move(b));
  }
  auto backlog = co_await deps_.store.Backlog();
  if (life.ended()) co_return s;
  if (backlog.ok()) {
    s.outbox_backlog = backlog->pending;
    s.outbox_oldest_age_s =
        backlog->oldest_created_s == 0 ? 0 : std::max<int64_t>(0, s.now_s - backlog->oldest_created_s);
  }
  if (deps_.cluster && some_elsewhere) co_await FillOwners(life, s);
  co_return s;
}

Awaitable<void> StatusSource::FillOwners(Lifetime::Token life, status::StatusSnapshot& s) {
  if (!pool_) pool_ = std::make_unique<pg::Pool>(deps_.executor, deps_.config.db, 1);
  auto listed = co_await cluster::ListInstances(*pool_, cluster::LeaseOptions{}.lease);
  if (life.ended()) co_return;
  if (!listed.ok()) {
    spdlog::warn("status: cannot list the instances: {}", listed.status().message());
    co_return;
  }
  for (status::BotStatus& b : s.bots) {
    if (b.owned) continue;
    for (const cluster::InstanceInfo& inst : *listed) {
      if (std::find(inst.bots.begin(), inst.bots.end(), b.name) == inst.bots.end()) continue;
      b.owner = inst.id;
      b.owner_listen = inst.listen;
    }
  }
}

}  // namespace tgate::app
