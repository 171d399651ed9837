// QueueLoader: brings the Store's queued messages into the Dispatcher's
// memory (LoadedMessages), a window at a time, and hands each new one on.
// One-to-one messages are read after a cursor (by id) when new work was
// announced (Notify) or every kReloadEvery as a safety net, up to load_window
// held, and read again once half of those have gone: a site that queues a
// million of them faster than Telegram takes them (30/s) holds a window,
// not a gigabyte. A chat holds at most ChatShare() of them; its later ones
// are parked (their ids only) and read back by id, in order, as its own
// drain, so one flooded chat (1 message/s) never fills the window that
// every other chat's messages wait behind. A parked message's deadline is
// looked at when it is read back. Broadcasts are
// read each on its own, oldest first, only what falls due within a minute,
// up to load_window messages held, and read again once half of those have
// gone; a broadcast to "all" is materialized (FillBroadcasts) in chunks only
// as it drains. A message is turned into a Job (for the Scheduler) and a
// Loaded (its parts, its sendMessage fields, its deadline) here; what then
// happens to it (expired at once, counted by the RestartGuard, scheduled) is
// the Dispatcher's, through `admit`.
// Not the Scheduler (it decides nothing about sending) and not a cache: a
// message is held from its load to its outcome.
// Not thread-safe: confined to the Dispatcher's thread. The Store, Clock and
// LoadedMessages must outlive it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/awaitable.h"
#include "core/clock.h"
#include "core/status.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/scheduler.h"
#include "store/broadcast_store.h"
#include "store/queue_store.h"

namespace tgate::dispatch {

struct QueueLoaderOptions {
  std::string bot = "default";
  size_t load_window = 20000;                 // most broadcast (and one-to-one) messages held at once
  std::chrono::seconds max_queue_age{86400};  // a message older than this fails as expired
};

// A message as loaded: what the Scheduler gets and what the Dispatcher holds.
// `now` and `wall_ms` are the same instant on the steady and the wall clock
// (the store's not_before is wall time, the scheduler's steady).
struct Admission {
  Job job;
  Loaded loaded;
};
// What a message's text and options come to for each send (Content). A
// function of the two alone, so the same for every message of a broadcast.
std::shared_ptr<const Content> ContentOf(const std::string& text, const std::string& options_json);
// `content`: ContentOf(m.text, m.options_json), if the caller made it
// already (null: made here). The Loaded keeps the content, not the
// message's own copy of its text and options.
Admission MakeAdmission(store::Message m, SteadyTime now, int64_t wall_ms, std::chrono::seconds max_queue_age,
                        std::shared_ptr<const Content> content = nullptr);

class QueueLoader {
 public:
  // Called for each message newly held, with the instant it was loaded at.
  using AdmitFn = std::function<void(const Job& job, Loaded& held, SteadyTime now, int64_t wall_ms)>;

  QueueLoader(store::QueueStore& queue, store::BroadcastStore& broadcasts, const Clock& clock,
              LoadedMessages& held, QueueLoaderOptions options, AdmitFn admit);
  QueueLoader(const QueueLoader&) = delete;
  QueueLoader& operator=(const QueueLoader&) = delete;

  // New work is in the Store: load one-to-one messages at the next pass,
  // and look at the broadcasts after them.
  void Notify() {
    need_load_ = true;
    broadcasts_announced_ = true;
  }
  // A new one-to-one message is in the Store: load one-to-one messages at
  // the next pass; broadcasts are not looked at for it (the site API's hot
  // path: a read of the running broadcasts per accepted message would cost
  // as much as the load).
  void NotifyOneToOne() { need_load_ = true; }
  // The most one-to-one messages a chat holds (an eighth of a smaller
  // window); its later ones are parked.
  static constexpr size_t kChatShare = 64;
  size_t ChatShare() const { return std::clamp<size_t>(options_.load_window / 8, 1, kChatShare); }

  // Whether one-to-one messages are to be loaded at `now`: announced, or
  // the periodic reload, with room in the window; or a parked chat has
  // drained to half its share. And when the periodic reload is next
  // (never while the window is full: the messages that leave it wake the
  // caller's loop).
  bool DirectDue(SteadyTime now) const;
  SteadyTime next_reload() const { return DirectRoom() ? next_reload_ : SteadyTime::max(); }
  // Reads back what parked chats have room for, then loads the one-to-one
  // messages queued after the cursor, as many as the window has room for;
  // the next periodic reload is kReloadEvery after `now`. On failure logs
  // it and tries again at the next pass.
  Awaitable<void> LoadDirect(SteadyTime now);
  // One-to-one messages parked (not held) so far.
  size_t parked() const { return parked_count_; }

  // Whether broadcasts are to be loaded: half the window is free at a
  // reload (`reloaded`: LoadDirect ran in this pass) that was not for a
  // one-to-one message alone (Notify, the periodic reload, a failed load),
  // or at a Notify while the one-to-one window is full (no reload runs
  // then), or half of what the last load held has gone.
  bool BroadcastsDue(bool reloaded) const;
  // Materializes the next chunk of a big broadcast if needed, then loads
  // what falls due within a minute of each running broadcast until the
  // window is full. On failure logs it and loads one-to-one messages again
  // at the next pass (and so broadcasts).
  Awaitable<void> LoadBroadcasts(SteadyTime now);
  // Whether the last load (one-to-one or broadcasts) failed: the caller
  // waits a while before the next (the store may be down).
  bool last_load_failed() const { return last_load_failed_; }

 private:
  Awaitable<Status> ReadDirect(SteadyTime now);
  Awaitable<Status> ReadParked(SteadyTime now);
  // Whether the window has room (down to half of it after it filled up),
  // and the parked ids are not too many.
  bool DirectRoom() const;
  bool ParkedDue() const;
  Awaitable<Status> ReadBroadcasts(SteadyTime now);
  // Holds `m` (unless it is held already) and hands it to admit_.
  void Hold(store::Message m, SteadyTime now, int64_t wall_ms);
  // ContentOf(m.text, m.options_json) for a broadcast message: made once
  // for the text and options of the last one, as a broadcast's are read one
  // after another (counting and cutting a long text, and reading its options,
  // for each of a million recipients would be most of loading them).
  std::shared_ptr<const Content> BroadcastContent(const store::Message& m);
  int64_t WallMs() const;

  store::QueueStore& queue_;
  store::BroadcastStore& broadcasts_;
  const Clock& clock_;
  LoadedMessages& held_;
  const QueueLoaderOptions options_;
  const AdmitFn admit_;
  int64_t direct_after_id_ = 0;                           // load cursor of one-to-one messages
  std::unordered_map<int64_t, int64_t> broadcast_after_;  // load cursor of each running broadcast
  bool need_load_ = true;
  bool broadcasts_announced_ = true;  // Notify or the periodic reload since the last broadcast load
  bool last_load_failed_ = false;
  size_t reload_below_ = 0;     // load broadcasts again once fewer are held
  size_t direct_reload_below_;  // load one-to-one messages again once fewer are held
  struct MadeContent {
    std::string text, options_json;  // what `content` was made of
    std::shared_ptr<const Content> content;
  };
  std::optional<MadeContent> broadcast_content_;  // BroadcastContent's last
  // Ids of one-to-one messages read past the cursor but not held, by chat,
  // in id order (while a chat has some, its newer ones join them).
  std::unordered_map<int64_t, std::deque<int64_t>> parked_;
  size_t parked_count_ = 0;
  SteadyTime next_reload_{};
};

}  // namespace tgate::dispatch
