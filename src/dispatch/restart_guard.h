// RestartGuard: what a restarted Dispatcher must wait out so that Telegram,
// which remembers what the process before sent, sees no limit exceeded.
// At the start it pauses every chat for one global and one private-chat
// window, counts each group's sends the Store recorded within the last
// minute against that group's window, and remembers the last message id
// queued before the start. Then, during the first group window, each group
// with a message from before the start gives up one more slot: the one send
// the process before may have made without recording it (the OutcomeWriter
// holds each group back until its outcome is written, so at most one).
// Not the rate limiting itself (scheduler.h): it only feeds the Scheduler
// the past sends.
// Not thread-safe: confined to the Dispatcher's thread. The Store, Clock and
// Scheduler must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "core/awaitable.h"
#include "core/clock.h"
#include "dispatch/scheduler.h"
#include "store/queue_store.h"

namespace tgate::dispatch {

struct RestartGuardOptions {
  std::string bot = "default";
  double chat_per_sec = 1;  // one private chat, as DispatcherOptions
  double chat_burst = 1;
};

class RestartGuard {
 public:
  RestartGuard(store::QueueStore& store, const Clock& clock, Scheduler& scheduler,
               RestartGuardOptions options);
  RestartGuard(const RestartGuard&) = delete;
  RestartGuard& operator=(const RestartGuard&) = delete;

  // Called once, before the first send: pauses every chat for a window and
  // counts the groups' recent sends (a Store that cannot say is logged, and
  // each group's first message then counts: the safe side).
  Awaitable<void> Start();
  // `job`, to a group, was loaded at `now`: if it was queued before the
  // start and `now` is within the first window, its group gives up the one
  // slot of a possibly unrecorded send (once per group).
  void OnGroupJobLoaded(const Job& job, SteadyTime now);
  // A group migrated to `to` in this process: its sends are this process's
  // own, recorded, so nothing more is counted for it.
  void OnMigrated(int64_t to) { groups_counted_.insert(to); }

 private:
  Awaitable<void> RestoreGroupWindows();

  store::QueueStore& store_;
  const Clock& clock_;
  Scheduler& scheduler_;
  const RestartGuardOptions options_;
  SteadyTime started_at_{};
  int64_t last_id_before_start_ = 0;            // messages up to it may have been sent by the process before
  std::unordered_set<int64_t> groups_counted_;  // by OnGroupJobLoaded, in the first window
};

}  // namespace tgate::dispatch
