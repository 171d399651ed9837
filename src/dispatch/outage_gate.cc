#include "dispatch/outage_gate.h"

#include <spdlog/spdlog.h>

namespace tgate::dispatch {

bool Unreachable(const telegram::ApiResult& r) {
  return r.kind == telegram::ErrorKind::kNetwork || r.kind == telegram::ErrorKind::kServerError;
}

OutageGate::OutageGate(store::QueueStore& store, OutageGateOptions options)
    : store_(store), options_(std::move(options)), monitor_(options_.probes) {}

OutageGate::Route OutageGate::OnAnswer(const Job& job, const telegram::ApiResult& r, uint64_t ticket,
                                       bool loaded) {
  if (!Unreachable(r)) {
    monitor_.OnReachable(ticket);
    return Route::kCounts;
  }
  if (monitor_.active()) return Route::kUnspent;
  if (loaded && monitor_.Suspect(ticket)) {
    // Nothing sent after it was answered: is Telegram down, or just this
    // message's chat? The chat stays in flight until a probe says.
    suspects_.emplace_back(job, r);
    monitor_.WantProbe();
    return Route::kHeld;
  }
  return Route::kCounts;
}

Awaitable<std::vector<OutageGate::Released>> OutageGate::OnProbe(bool reachable, const std::string& what,
                                                                 SteadyTime now, const LoadedMessages& held) {
  const OutageMonitor::Change change = monitor_.OnProbe(reachable, now);
  const std::string send_error = suspects_.empty() ? what : suspects_.front().second.description;
  // The held failures: unspent in an outage; the message's own if Telegram
  // answered a probe sent after them; else held for the next probe.
  std::vector<std::pair<Job, telegram::ApiResult>> failures;
  failures.swap(suspects_);
  std::vector<Released> released;
  for (auto& [job, r] : failures) {
    if (monitor_.active()) {
      released.push_back({std::move(job), std::move(r), Route::kUnspent});
    } else if (const Loaded* m = held.Find(job.id); m && monitor_.Suspect(m->ticket)) {
      suspects_.emplace_back(std::move(job), std::move(r));
      monitor_.WantProbe();
    } else {
      released.push_back({std::move(job), std::move(r), Route::kCounts});
    }
  }
  co_await Log(change, reachable, what, send_error, now);
  co_return released;
}

Awaitable<void> OutageGate::Log(OutageMonitor::Change change, bool reachable, const std::string& what,
                                const std::string& send_error, SteadyTime now) {
  if (change != OutageMonitor::Change::kStarted && change != OutageMonitor::Change::kEnded) {
    if (!reachable) spdlog::debug("bot {}: Telegram still cannot be reached ({})", options_.bot, what);
    co_return;
  }
  auto n = co_await store_.PendingMessages(options_.bot);
  const std::string waiting = n.ok() ? std::to_string(*n) : "an unknown number of";
  if (change == OutageMonitor::Change::kStarted) {
    spdlog::warn(
        "bot {}: Telegram cannot be reached (sendMessage: {}; getMe: {}); sending paused, probing with "
        "backoff; messages waiting: {} (none fails before max_queue_age, {} s, or its ttl_seconds)",
        options_.bot, send_error, what, waiting, options_.max_queue_age.count());
  } else {
    const double lasted = std::chrono::duration<double>(now - monitor_.since()).count();
    spdlog::info(
        "bot {}: Telegram reachable again after an outage of {:.0f} s; sending resumes; messages waiting: {}",
        options_.bot, lasted, waiting);
  }
}

}  // namespace tgate::dispatch
