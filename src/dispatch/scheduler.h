// Scheduler: decides which queued message may be sent next within Telegram's
// limits (pure: time is an argument; no I/O, no clock). Data structures after
// tdlib's WebhookActor: a FIFO per chat, and the chats ordered by when their
// head may go. Rules:
//  - a chat has at most one message in flight, so per-chat order holds;
//  - a chat waits for its own window (private: chat_burst per
//    chat_burst/chat_per_sec s; group/channel, negative id: group_per_min per
//    60 s), for a park (after a 429) and for its head's not_before;
//  - every free message passes the global pacer + window (global_per_sec per
//    1 s), paid broadcast messages the paid one (paid_per_sec per 1 s);
//  - among ready chats, one-to-one heads go before broadcast heads, then
//    round-robin (each chat that becomes ready takes a new turn) — a busy
//    chat never blocks another (no
//    head-of-line blocking), and inside a chat one-to-one messages go before
//    its queued broadcast messages, which go in due order (not_before).
// Windows are widened by a margin so network jitter cannot make the server
// see more than the limit: a small fixed one, or the measured spread of
// arrival times if that is larger (SetJitterMargin; limits are declared in
// SchedulerLimits, Telegram's limits of telegram/rate_limits.h plus margins).
// Not thread-safe: owned by the Dispatcher's strand.
#pragma once

#include <boost/container/devector.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "dispatch/pacer.h"
#include "dispatch/sliding_window.h"
#include "store/types.h"
#include "telegram/rate_limits.h"

namespace tgate::dispatch {

struct Job {
  int64_t id = 0;  // message id
  int64_t chat_id = 0;
  store::Priority priority = store::Priority::kDirect;
  bool paid = false;
  int64_t broadcast_id = 0;
  SteadyTime not_before{};
  int parts_sent = 0;     // of a split text
  uint64_t seq = 0;       // arrival order, set by the Scheduler
  SteadyTime released{};  // when Next() handed it out, counted against the limits
};

// Telegram's limits (the base, defaults botapi-facts.md §1) and how the
// Scheduler keeps under them.
struct SchedulerLimits : telegram::RateLimits {
  // Safety margins added to each window, as a fraction of it with a floor.
  // Loopback measurements on a loaded 2-core machine saw arrival jitter of a
  // few ms between sends 1 s apart; 1% keeps the server's view under the limit.
  double global_margin = 0.01;
  std::chrono::milliseconds global_margin_min{5};
  double chat_margin = 0.02;
  std::chrono::milliseconds chat_margin_min{10};
  // Requests released evenly reach Telegram unevenly, by up to the spread of
  // their trip times: SetJitterMargin widens every window to cover it, up to
  // this much (a stall measured as spread must not cut the rate for long).
  std::chrono::milliseconds jitter_margin_max{500};
  // Broadcast sends waiting on the global budget go a tick's worth at a
  // time (rate x tick messages): one wake-up of the dispatcher per tick, not
  // per message. One-to-one messages do not wait for a batch.
  std::chrono::milliseconds tick{0};
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerLimits& limits);

  // Queues a job at the back of its class in its chat.
  void Add(Job job);
  // Puts a job back at the head of its chat (retry, next part of a split text).
  void AddFront(Job job);

  // The next job that may be sent at `now`, marking its chat in flight and
  // counting it against every limit; nullopt if none may go yet.
  std::optional<Job> Next(SteadyTime now);
  // The chat's in-flight job finished (sent, requeued or dropped).
  void Done(int64_t chat_id, SteadyTime now);
  // When Next() may next return a job; SteadyTime::max() if nothing is queued.
  SteadyTime NextWake(SteadyTime now) const;

  // A send made before this scheduler existed (by the process before a
  // restart) at `at` (<= now): counts against the chat's own window only.
  // Call in time order, before anything is sent to the chat.
  void RecordPastSend(int64_t chat_id, SteadyTime at);

  // Holds a chat (429) or every chat (bot-wide pause) until `until`.
  void ParkChat(int64_t chat_id, SteadyTime until, SteadyTime now);
  void PauseAll(SteadyTime until) { paused_until_ = std::max(paused_until_, until); }

  // Removes the queued (not in-flight) jobs of a chat, and returns them.
  std::vector<Job> DropChat(int64_t chat_id);
  // Removes the queued (not in-flight) jobs of a broadcast; returns their ids.
  std::vector<int64_t> DropBroadcast(int64_t broadcast_id);
  // Removes one queued (not in-flight) job of the chat (an expired message); nullopt if not queued.
  std::optional<Job> DropJob(int64_t chat_id, int64_t id);
  // A group became a supergroup: its queue continues under the new id.
  void MoveChat(int64_t from, int64_t to, SteadyTime now);

  // The global (free) rate: lowered after spreading 429s, raised back later.
  void SetGlobalRate(double per_sec);
  double global_rate() const { return free_pacer_.rate(); }

  // The spread of arrival times the windows must absorb (e.g. RttSpread's):
  // a send i and the send N after it, counted a window plus this apart,
  // arrive at least a window apart however the network delays them. Each
  // window's margin becomes the larger of its fixed margin and this (capped
  // at jitter_margin_max); zero restores the fixed margins.
  void SetJitterMargin(std::chrono::steady_clock::duration spread);
  std::chrono::steady_clock::duration jitter_margin() const { return jitter_; }

  size_t queued() const { return queued_; }
  size_t chats() const { return chats_.size(); }

 private:
  enum Lane { kDirectLane = 0, kPaidLane = 1, kFreeLane = 2, kLanes = 3 };
  // A chat's queue: taken from the front, added at either end or after its
  // one-to-one jobs. Most chats hold one job (a broadcast's); a devector
  // costs nothing until the first and one block for a few, where a deque
  // allocates its map and a 512-byte block for each chat.
  using Jobs = boost::container::devector<Job>;
  struct Chat {
    Jobs jobs;
    SlidingWindow window;
    SteadyTime parked_until{};
    bool in_flight = false;
    // Where the chat is filed (valid when filed): waiting_ or ready_[lane].
    bool filed = false;
    bool ready = false;
    int lane = 0;
    SteadyTime wake{};
    uint64_t seq = 0;
  };

  Chat& ChatFor(int64_t chat_id);
  static Lane LaneOf(const Job& j);
  void File(int64_t chat_id, Chat& c, SteadyTime now);
  void Unfile(int64_t chat_id, Chat& c);
  void Promote(SteadyTime now);
  SteadyTime Gate(Lane lane, SteadyTime now) const;       // one message may go
  SteadyTime BatchGate(Lane lane, SteadyTime now) const;  // a tick's worth may go
  void CollectIdle(SteadyTime now);
  void Insert(Chat& c, Job job, bool front);
  // Brings a chat's window to the current margin; true if it changed.
  bool Rewindow(int64_t chat_id, Chat& c) const;

  SchedulerLimits limits_;
  std::chrono::steady_clock::duration jitter_{};
  std::chrono::steady_clock::duration private_window_, group_window_, global_window_;  // with their margins
  Pacer free_pacer_, paid_pacer_;
  SlidingWindow free_window_, paid_window_;
  SteadyTime paused_until_{};
  std::unordered_map<int64_t, Chat> chats_;
  std::set<std::tuple<SteadyTime, uint64_t, int64_t>> waiting_;  // (wake, seq, chat)
  std::set<std::pair<uint64_t, int64_t>> ready_[kLanes];         // (turn, chat)
  std::deque<int64_t> idle_candidates_;                          // chats that emptied
  uint64_t next_seq_ = 1;
  size_t queued_ = 0;
};

}  // namespace tgate::dispatch
