#include "tools/emulator/update_queue.h"

#include <algorithm>

namespace tgate::emulator {

UpdateQueue::UpdateQueue(std::chrono::milliseconds retry_initial, std::chrono::milliseconds retry_max)
    : retry_initial_(retry_initial), retry_max_(retry_max) {}

int64_t UpdateQueue::Push(int64_t lane, boost::json::object update) {
  const int64_t id = next_update_id_++;
  history_[id] = {lane, update};
  if (history_.size() > kHistory) history_.erase(history_.begin());
  Enqueue(lane, id, std::move(update), false);
  return id;
}

bool UpdateQueue::PushDuplicate(int64_t update_id) {
  auto it = history_.find(update_id);
  if (it == history_.end()) return false;
  Enqueue(it->second.first, update_id, it->second.second, true);
  return true;
}

void UpdateQueue::Enqueue(int64_t lane_id, int64_t update_id, boost::json::object update, bool duplicate) {
  // update_id first, as Telegram writes it.
  boost::json::object u{{"update_id", update_id}};
  for (auto& kv : update) u[kv.key()] = std::move(kv.value());
  update = std::move(u);
  const uint64_t seq = next_seq_++;
  entries_.emplace(seq, Entry{update_id, lane_id, std::move(update), duplicate, false});
  Lane& lane = lanes_[lane_id];
  lane.seqs.push_back(seq);
  if (lane.seqs.size() == 1 && !lane.in_flight) MakeReady(lane_id, lane, SteadyTime{});
}

void UpdateQueue::MakeReady(int64_t lane_id, Lane& lane, SteadyTime at) {
  ready_.erase({lane.wake_at, lane_id});
  lane.wake_at = at;
  ready_.insert({at, lane_id});
}

void UpdateQueue::Clear() {
  entries_.clear();
  ready_.clear();
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    it->second.seqs.clear();
    it = it->second.in_flight ? std::next(it) : lanes_.erase(it);
  }
}

void UpdateQueue::Remove(uint64_t seq) {
  auto it = entries_.find(seq);
  if (it == entries_.end()) return;
  const int64_t lane_id = it->second.lane;
  entries_.erase(it);
  auto lit = lanes_.find(lane_id);
  if (lit == lanes_.end()) return;
  Lane& lane = lit->second;
  const bool was_head = !lane.seqs.empty() && lane.seqs.front() == seq;
  std::erase(lane.seqs, seq);
  if (lane.in_flight) return;
  if (lane.seqs.empty()) {
    ready_.erase({lane.wake_at, lane_id});
    lanes_.erase(lit);
  } else if (was_head) {
    MakeReady(lane_id, lane, SteadyTime{});
  }
}

std::optional<Delivery> UpdateQueue::TakeReady(SteadyTime now, size_t max_in_flight) {
  if (in_flight_ >= max_in_flight || ready_.empty()) return std::nullopt;
  auto [wake_at, lane_id] = *ready_.begin();
  if (wake_at > now) return std::nullopt;
  ready_.erase(ready_.begin());
  Lane& lane = lanes_.at(lane_id);
  lane.in_flight = true;
  ++in_flight_;
  const Entry& e = entries_.at(lane.seqs.front());
  return Delivery{lane.seqs.front(), lane_id, e.update_id, e.update};
}

void UpdateQueue::Ack(const Delivery& d) {
  auto lit = lanes_.find(d.lane);
  if (lit == lanes_.end() || !lit->second.in_flight) return;
  Lane& lane = lit->second;
  lane.in_flight = false;
  --in_flight_;
  lane.delay = std::chrono::milliseconds(0);
  entries_.erase(d.seq);
  std::erase(lane.seqs, d.seq);
  if (lane.seqs.empty()) {
    lanes_.erase(lit);
  } else {
    MakeReady(d.lane, lane, SteadyTime{});
  }
}

std::chrono::milliseconds UpdateQueue::Nack(const Delivery& d, SteadyTime now) {
  auto lit = lanes_.find(d.lane);
  if (lit == lanes_.end() || !lit->second.in_flight) return std::chrono::milliseconds(0);
  Lane& lane = lit->second;
  lane.in_flight = false;
  --in_flight_;
  // 1 s doubling, capped (botapi-facts.md §2 "Delivery, retries, retention").
  lane.delay = lane.delay.count() == 0 ? retry_initial_ : std::min(lane.delay * 2, retry_max_);
  if (lane.seqs.empty()) {  // dropped meanwhile
    lanes_.erase(lit);
    return std::chrono::milliseconds(0);
  }
  MakeReady(d.lane, lane, now + lane.delay);
  return lane.delay;
}

std::optional<SteadyTime> UpdateQueue::NextWakeup() const {
  if (ready_.empty()) return std::nullopt;
  return ready_.begin()->first;
}

std::vector<boost::json::object> UpdateQueue::Poll(int64_t offset, size_t limit) {
  std::vector<uint64_t> drop;
  if (offset > 0) {
    // Confirmed: below offset; but a redelivered duplicate that was not
    // handed out yet is still returned once.
    for (auto& [seq, e] : entries_) {
      if (e.update_id < offset && (e.returned || !e.duplicate)) drop.push_back(seq);
    }
  } else if (offset < 0) {
    const size_t keep = static_cast<size_t>(-offset);
    size_t n = entries_.size() > keep ? entries_.size() - keep : 0;
    for (auto it = entries_.begin(); n > 0; ++it, --n) drop.push_back(it->first);
  }
  for (uint64_t seq : drop) Remove(seq);
  std::vector<boost::json::object> out;
  for (auto& [seq, e] : entries_) {
    if (out.size() >= limit) break;
    e.returned = true;
    out.push_back(e.update);
  }
  return out;
}

}  // namespace tgate::emulator
