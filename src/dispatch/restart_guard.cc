#include "dispatch/restart_guard.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace tgate::dispatch {

namespace {

// Telegram's window for a group's messages (its limit is per minute).
constexpr auto kGroupWindow = std::chrono::seconds(60);

}  // namespace

RestartGuard::RestartGuard(store::QueueStore& store, const Clock& clock, Scheduler& scheduler,
                           RestartGuardOptions options)
    : store_(store), clock_(clock), scheduler_(scheduler), options_(std::move(options)) {}

Awaitable<void> RestartGuard::Start() {
  // A restarted tgate does not know what it sent in the last moments before
  // it stopped, but Telegram does: wait out one global and one private-chat
  // window before the first send, and count what each group got in its last
  // minute (the store knows) against its window.
  const auto& o = options_;
  auto window = std::chrono::duration<double>(std::max(1.0, o.chat_burst / o.chat_per_sec) * 1.02 + 0.01);
  scheduler_.PauseAll(clock_.Now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(window));
  co_await RestoreGroupWindows();
  started_at_ = clock_.Now();  // not before what RestoreGroupWindows counted
}

Awaitable<void> RestartGuard::RestoreGroupWindows() {
  auto last = co_await store_.LastMessageId();
  if (last.ok()) {
    last_id_before_start_ = *last;
  } else {
    last_id_before_start_ = INT64_MAX;  // then every group's first message counts: the safe side
  }
  // The store keeps whole seconds: a send written at second S happened
  // before S + 1, and counting it at S + 1 errs on the safe side.
  const int64_t wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  const auto since_s = wall_ms / 1000 - kGroupWindow.count() - 2;
  auto sends = co_await store_.RecentGroupSends(options_.bot, since_s);
  if (!sends.ok()) {
    spdlog::warn("bot {}: cannot read what groups got before the restart ({}); a group may see a 429",
                 options_.bot, sends.status().message());
    co_return;
  }
  const SteadyTime now = clock_.Now();
  for (const store::GroupSend& g : *sends) {
    const auto ago = std::chrono::milliseconds(std::max<int64_t>(0, wall_ms - (g.at_s + 1) * 1000));
    for (int i = 0; i < g.parts; ++i) scheduler_.RecordPastSend(g.chat_id, now - ago);
  }
  if (!sends->empty()) {
    spdlog::debug("bot {}: counted {} recent group messages against their windows", options_.bot,
                  sends->size());
  }
}

void RestartGuard::OnGroupJobLoaded(const Job& job, SteadyTime now) {
  // Which group had a send in flight (or answered but not yet written) when
  // the process before was killed is not known, so each group with a message
  // from before the start gives up one slot of its first window.
  if (now >= started_at_ + kGroupWindow) {
    if (!groups_counted_.empty()) groups_counted_ = {};
    return;
  }
  if (job.id > last_id_before_start_) return;
  if (groups_counted_.insert(job.chat_id).second) scheduler_.RecordPastSend(job.chat_id, started_at_);
}

}  // namespace tgate::dispatch
