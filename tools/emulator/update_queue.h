// UpdateQueue: the emulated Bot API server's pending updates. Gives each update
// the next sequential update_id, and serves them two ways (botapi-facts.md
// §2, §3):
//  * webhook: one FIFO lane per chat (webhook_queue_id), one update in flight
//    per lane, lanes in parallel; a failed delivery is retried after a delay
//    that starts at `retry_initial` and doubles up to `retry_max`, resetting
//    on success. Ready lanes are kept in a set ordered by (wake time, lane).
//  * getUpdates: updates in order, confirmed by offset.
// Duplicates (control API "redeliver") are queued again with the same
// update_id. Not a transport: callers do the HTTP. Pure: time is an argument.
// Not thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace tgate::emulator {

// One update handed to the webhook sender.
struct Delivery {
  uint64_t seq = 0;  // queue entry, for Ack/Nack
  int64_t lane = 0;  // chat (or user) id
  int64_t update_id = 0;
  boost::json::object update;
};

class UpdateQueue {
 public:
  UpdateQueue(std::chrono::milliseconds retry_initial = std::chrono::seconds(1),
              std::chrono::milliseconds retry_max = std::chrono::seconds(60));

  // Queues `update` (without update_id) on `lane`; returns its new update_id.
  int64_t Push(int64_t lane, boost::json::object update);
  // Queues a copy of a past update again (same update_id). False if unknown
  // (only the last kHistory updates are remembered).
  bool PushDuplicate(int64_t update_id);
  // Drops every queued update (drop_pending_updates). In-flight deliveries
  // finish; their Ack/Nack are then ignored.
  void Clear();
  size_t pending() const { return entries_.size(); }

  // Webhook side. The next update to deliver at `now`, if a lane is ready and
  // fewer than `max_in_flight` deliveries are running.
  std::optional<Delivery> TakeReady(SteadyTime now, size_t max_in_flight);
  // The delivery succeeded: drop the update and free its lane.
  void Ack(const Delivery& d);
  // The delivery failed: retry the lane's head after the lane's delay.
  // Returns the delay applied.
  std::chrono::milliseconds Nack(const Delivery& d, SteadyTime now);
  // When the earliest waiting lane becomes ready (nullopt: none waiting).
  std::optional<SteadyTime> NextWakeup() const;
  size_t in_flight() const { return in_flight_; }

  // getUpdates side (botapi-facts.md §3): confirms updates below `offset`
  // (offset > 0), or keeps only the last -offset (offset < 0), then returns up
  // to `limit` updates in order.
  std::vector<boost::json::object> Poll(int64_t offset, size_t limit);

  static constexpr size_t kHistory = 10000;

 private:
  struct Entry {
    int64_t update_id = 0;
    int64_t lane = 0;
    boost::json::object update;
    bool duplicate = false;  // queued again by PushDuplicate
    bool returned = false;   // seen by a getUpdates caller
  };
  struct Lane {
    std::deque<uint64_t> seqs;
    bool in_flight = false;
    SteadyTime wake_at{};
    std::chrono::milliseconds delay{0};
  };

  void Enqueue(int64_t lane, int64_t update_id, boost::json::object update, bool duplicate);
  void Remove(uint64_t seq);
  void MakeReady(int64_t lane_id, Lane& lane, SteadyTime at);

  std::chrono::milliseconds retry_initial_;
  std::chrono::milliseconds retry_max_;
  int64_t next_update_id_ = 1;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Entry> entries_;  // by seq: arrival order
  std::unordered_map<int64_t, Lane> lanes_;
  std::set<std::pair<SteadyTime, int64_t>> ready_;  // lanes with a head, not in flight
  size_t in_flight_ = 0;
  std::map<int64_t, std::pair<int64_t, boost::json::object>> history_;  // update_id -> (lane, update)
};

}  // namespace tgate::emulator
