#include "dispatch/scheduler.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace tgate::dispatch {
namespace {

using Duration = std::chrono::steady_clock::duration;

Duration Seconds(double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); }

// The window plus the larger of its fixed margin and the jitter margin.
Duration WithMargin(Duration w, double fraction, std::chrono::milliseconds floor, Duration jitter) {
  auto m = std::chrono::duration_cast<Duration>(w * fraction);
  return w + std::max<Duration>({m, floor, jitter});
}

int PerSecondCount(double rate) { return std::max(1, static_cast<int>(std::floor(rate))); }

}  // namespace

Scheduler::Scheduler(const SchedulerLimits& l)
    : limits_(l),
      private_window_(
          WithMargin(Seconds(l.chat_burst / l.chat_per_sec), l.chat_margin, l.chat_margin_min, {})),
      group_window_(WithMargin(Seconds(60), l.chat_margin, l.chat_margin_min, {})),
      global_window_(WithMargin(Seconds(1), l.global_margin, l.global_margin_min, {})),
      free_pacer_(l.global_per_sec, 2, l.tick),
      paid_pacer_(l.paid_per_sec, 2, l.tick),
      free_window_(PerSecondCount(l.global_per_sec), global_window_),
      paid_window_(PerSecondCount(l.paid_per_sec), global_window_) {}

Scheduler::Lane Scheduler::LaneOf(const Job& j) {
  if (j.priority == store::Priority::kDirect) return kDirectLane;
  return j.paid ? kPaidLane : kFreeLane;
}

Scheduler::Chat& Scheduler::ChatFor(int64_t chat_id) {
  auto it = chats_.find(chat_id);
  if (it != chats_.end()) return it->second;
  bool group = chat_id < 0;
  int count = group ? static_cast<int>(limits_.group_per_min) : static_cast<int>(limits_.chat_burst);
  Chat c{{}, SlidingWindow(count, group ? group_window_ : private_window_)};
  return chats_.emplace(chat_id, std::move(c)).first->second;
}

void Scheduler::Insert(Chat& c, Job job, bool front) {
  ++queued_;
  if (front) {
    c.jobs.push_front(std::move(job));
    return;
  }
  job.seq = next_seq_++;
  if (job.priority == store::Priority::kDirect) {
    // After the chat's other one-to-one jobs, before the broadcast jobs
    // behind them. Looked for from the back: a chat may hold thousands of
    // one-to-one jobs and few broadcast ones; and a broadcast job put back in
    // front (a retry) must not let a new message overtake older ones.
    auto last_direct = std::find_if(c.jobs.rbegin(), c.jobs.rend(),
                                    [](const Job& j) { return j.priority == store::Priority::kDirect; });
    c.jobs.insert(last_direct.base(), std::move(job));
  } else {
    // Broadcast jobs in due order, arrival order among equals: a campaign's
    // message spread to later does not hold back another broadcast's
    // message to the same chat that is due now.
    auto after = std::find_if(c.jobs.rbegin(), c.jobs.rend(), [&](const Job& j) {
      return j.priority == store::Priority::kDirect || j.not_before <= job.not_before;
    });
    c.jobs.insert(after.base(), std::move(job));
  }
}

void Scheduler::Add(Job job) {
  int64_t id = job.chat_id;
  Chat& c = ChatFor(id);
  Unfile(id, c);
  Insert(c, std::move(job), false);
  File(id, c, SteadyTime{});
}

void Scheduler::AddFront(Job job) {
  if (job.seq == 0) job.seq = next_seq_++;
  int64_t id = job.chat_id;
  Chat& c = ChatFor(id);
  Unfile(id, c);
  Insert(c, std::move(job), true);
  File(id, c, SteadyTime{});
}

bool Scheduler::Rewindow(int64_t chat_id, Chat& c) const {
  const Duration w = chat_id < 0 ? group_window_ : private_window_;
  if (c.window.window() == w) return false;
  c.window.SetWindow(w);
  return true;
}

void Scheduler::File(int64_t chat_id, Chat& c, SteadyTime now) {
  if (c.filed || c.in_flight || c.jobs.empty()) return;
  Rewindow(chat_id, c);
  const Job& head = c.jobs.front();
  c.wake = std::max({c.window.NextAllowed(now), c.parked_until, head.not_before});
  // Each filing takes a new turn: ready chats are served round-robin, so a
  // chat with a long backlog gets one send per turn, not every send while it
  // stays ready (that would be head-of-line blocking across chats).
  c.seq = next_seq_++;
  c.lane = LaneOf(head);
  c.filed = true;
  c.ready = c.wake <= now;
  if (c.ready) {
    ready_[c.lane].emplace(c.seq, chat_id);
  } else {
    waiting_.emplace(c.wake, c.seq, chat_id);
  }
}

void Scheduler::Unfile(int64_t chat_id, Chat& c) {
  if (!c.filed) return;
  if (c.ready) {
    ready_[c.lane].erase({c.seq, chat_id});
  } else {
    waiting_.erase({c.wake, c.seq, chat_id});
  }
  c.filed = false;
}

void Scheduler::Promote(SteadyTime now) {
  while (!waiting_.empty() && std::get<0>(*waiting_.begin()) <= now) {
    auto [wake, seq, chat_id] = *waiting_.begin();
    waiting_.erase(waiting_.begin());
    Chat& c = chats_.at(chat_id);
    c.ready = true;
    ready_[c.lane].emplace(seq, chat_id);
  }
}

SteadyTime Scheduler::Gate(Lane lane, SteadyTime now) const {
  if (lane == kPaidLane) return std::max(paid_pacer_.NextAllowed(now), paid_window_.NextAllowed(now));
  return std::max(free_pacer_.NextAllowed(now), free_window_.NextAllowed(now));
}

SteadyTime Scheduler::BatchGate(Lane lane, SteadyTime now) const {
  // Waiting for the window to free a whole batch, not each slot, keeps
  // batches whole: a batch leaves the window together, a window later.
  const Pacer& pacer = lane == kPaidLane ? paid_pacer_ : free_pacer_;
  const SlidingWindow& window = lane == kPaidLane ? paid_window_ : free_window_;
  int batch = std::min<int>(pacer.Batch(), static_cast<int>(ready_[lane].size()));
  return std::max(pacer.WakeAt(batch, now), window.NextAllowedFor(batch, now));
}

std::optional<Job> Scheduler::Next(SteadyTime now) {
  if (now < paused_until_) return std::nullopt;
  Promote(now);
  CollectIdle(now);
  for (Lane lane : {kDirectLane, kPaidLane, kFreeLane}) {
    while (!ready_[lane].empty() && Gate(lane, now) <= now) {
      int64_t chat_id = ready_[lane].begin()->second;
      ready_[lane].erase(ready_[lane].begin());
      Chat& c = chats_.at(chat_id);
      c.filed = false;
      if (Rewindow(chat_id, c) && c.window.NextAllowed(now) > now) {
        // The margin grew since the chat was filed: it waits a little longer.
        File(chat_id, c, now);
        continue;
      }
      c.in_flight = true;
      Job job = std::move(c.jobs.front());
      c.jobs.pop_front();
      job.released = now;
      --queued_;
      c.window.Record(now);
      if (lane == kPaidLane) {
        paid_pacer_.Record(now);
        paid_window_.Record(now);
      } else {
        free_pacer_.Record(now);
        free_window_.Record(now);
      }
      return job;
    }
  }
  return std::nullopt;
}

void Scheduler::Done(int64_t chat_id, SteadyTime now) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return;
  Chat& c = it->second;
  c.in_flight = false;
  File(chat_id, c, now);
  if (c.jobs.empty()) idle_candidates_.push_back(chat_id);
}

SteadyTime Scheduler::NextWake(SteadyTime now) const {
  SteadyTime wake = SteadyTime::max();
  if (!waiting_.empty()) wake = std::get<0>(*waiting_.begin());
  for (Lane lane : {kDirectLane, kPaidLane, kFreeLane}) {
    if (ready_[lane].empty()) continue;
    // One-to-one messages go as soon as the budget allows.
    wake = std::min(wake, lane == kDirectLane ? Gate(lane, now) : BatchGate(lane, now));
  }
  if (wake != SteadyTime::max()) wake = std::max(wake, paused_until_);
  return wake;
}

void Scheduler::RecordPastSend(int64_t chat_id, SteadyTime at) {
  const bool known = chats_.count(chat_id) != 0;
  Chat& c = ChatFor(chat_id);
  c.window.Record(at);
  // A chat with nothing queued is forgotten once its window has passed.
  if (!known) idle_candidates_.push_back(chat_id);
}

void Scheduler::ParkChat(int64_t chat_id, SteadyTime until, SteadyTime now) {
  Chat& c = ChatFor(chat_id);
  c.parked_until = std::max(c.parked_until, until);
  if (c.filed) {
    Unfile(chat_id, c);
    File(chat_id, c, now);
  }
}

std::vector<Job> Scheduler::DropChat(int64_t chat_id) {
  std::vector<Job> jobs;
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return jobs;
  Chat& c = it->second;
  Unfile(chat_id, c);
  jobs.assign(std::make_move_iterator(c.jobs.begin()), std::make_move_iterator(c.jobs.end()));
  queued_ -= c.jobs.size();
  c.jobs.clear();
  idle_candidates_.push_back(chat_id);
  return jobs;
}

std::vector<int64_t> Scheduler::DropBroadcast(int64_t broadcast_id) {
  std::vector<int64_t> ids;
  for (auto& [chat_id, c] : chats_) {
    bool any = std::any_of(c.jobs.begin(), c.jobs.end(),
                           [&](const Job& j) { return j.broadcast_id == broadcast_id; });
    if (!any) continue;
    Unfile(chat_id, c);
    auto keep = std::stable_partition(c.jobs.begin(), c.jobs.end(),
                                      [&](const Job& j) { return j.broadcast_id != broadcast_id; });
    for (auto j = keep; j != c.jobs.end(); ++j) ids.push_back(j->id);
    queued_ -= static_cast<size_t>(c.jobs.end() - keep);
    c.jobs.erase(keep, c.jobs.end());
    File(chat_id, c, SteadyTime{});
    if (c.jobs.empty()) idle_candidates_.push_back(chat_id);
  }
  return ids;
}

std::optional<Job> Scheduler::DropJob(int64_t chat_id, int64_t id) {
  auto it = chats_.find(chat_id);
  if (it == chats_.end()) return std::nullopt;
  Chat& c = it->second;
  auto j = std::find_if(c.jobs.begin(), c.jobs.end(), [&](const Job& x) { return x.id == id; });
  if (j == c.jobs.end()) return std::nullopt;
  Unfile(chat_id, c);
  Job job = std::move(*j);
  c.jobs.erase(j);
  --queued_;
  File(chat_id, c, SteadyTime{});
  if (c.jobs.empty()) idle_candidates_.push_back(chat_id);
  return job;
}

void Scheduler::MoveChat(int64_t from, int64_t to, SteadyTime now) {
  auto it = chats_.find(from);
  if (it == chats_.end()) return;
  Unfile(from, it->second);
  Jobs jobs = std::move(it->second.jobs);
  it->second.jobs.clear();
  queued_ -= jobs.size();
  idle_candidates_.push_back(from);
  for (Job& j : jobs) {
    j.chat_id = to;
    Chat& c = ChatFor(to);
    Unfile(to, c);
    ++queued_;
    c.jobs.push_back(std::move(j));
    File(to, c, now);
  }
}

void Scheduler::SetGlobalRate(double per_sec) {
  free_pacer_.SetRate(per_sec);
  free_window_.Reset(PerSecondCount(per_sec), global_window_);
}

void Scheduler::SetJitterMargin(Duration spread) {
  jitter_ = std::clamp<Duration>(spread, Duration::zero(), limits_.jitter_margin_max);
  const SchedulerLimits& l = limits_;
  private_window_ =
      WithMargin(Seconds(l.chat_burst / l.chat_per_sec), l.chat_margin, l.chat_margin_min, jitter_);
  group_window_ = WithMargin(Seconds(60), l.chat_margin, l.chat_margin_min, jitter_);
  global_window_ = WithMargin(Seconds(1), l.global_margin, l.global_margin_min, jitter_);
  free_window_.SetWindow(global_window_);
  paid_window_.SetWindow(global_window_);
  // Chats take theirs when they are next filed or handed out (Rewindow).
}

void Scheduler::CollectIdle(SteadyTime now) {
  // Forget chats with nothing queued once their window no longer matters, so
  // a million-chat broadcast does not keep a million windows.
  size_t budget = 64;
  while (!idle_candidates_.empty() && budget-- > 0) {
    int64_t chat_id = idle_candidates_.front();
    auto it = chats_.find(chat_id);
    if (it == chats_.end()) {
      idle_candidates_.pop_front();
      continue;
    }
    Chat& c = it->second;
    if (!c.jobs.empty() || c.in_flight) {
      idle_candidates_.pop_front();
      continue;
    }
    Rewindow(chat_id, c);
    if (!c.window.Idle(now) || c.parked_until > now) break;  // oldest first: later ones are younger
    chats_.erase(it);
    idle_candidates_.pop_front();
  }
}

}  // namespace tgate::dispatch
