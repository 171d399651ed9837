#include "http/deadline_watch.h"

#include <algorithm>

namespace tgate::http {

using Clock = std::chrono::steady_clock;

// Shared with the pending timer handler, which may run after the watch is gone.
struct DeadlineWatch::State {
  State(asio::any_io_executor ex, bool stays) : timer(std::move(ex)), stays_armed(stays) {}
  asio::steady_timer timer;
  const bool stays_armed;
  std::vector<Watched*> busy;
  Deadline armed_for = Deadline::max();  // expiry of the pending wait; max(): none
  bool alive = true;
};

DeadlineWatch::DeadlineWatch(asio::any_io_executor executor, bool stays_armed)
    : state_(std::make_shared<State>(std::move(executor), stays_armed)) {}

DeadlineWatch::~DeadlineWatch() {
  state_->alive = false;
  for (Watched* w : state_->busy) w->slot_ = SIZE_MAX;
  state_->busy.clear();
  state_->timer.cancel();
}

void DeadlineWatch::Add(Watched& w, Deadline deadline) {
  State& s = *state_;
  w.deadline_ = deadline;
  if (w.slot_ == SIZE_MAX) {
    w.slot_ = s.busy.size();
    s.busy.push_back(&w);
  }
  if (deadline < s.armed_for) Arm(state_, deadline);
}

void DeadlineWatch::Remove(Watched& w) {
  State& s = *state_;
  if (w.slot_ == SIZE_MAX) return;
  Watched* last = s.busy.back();
  s.busy[w.slot_] = last;
  last->slot_ = w.slot_;
  s.busy.pop_back();
  w.slot_ = SIZE_MAX;
  if (s.busy.empty() && s.armed_for != Deadline::max() && !s.stays_armed) {
    s.armed_for = Deadline::max();
    s.timer.cancel();
  }
}

void DeadlineWatch::Arm(const std::shared_ptr<State>& state, Deadline at) {
  state->armed_for = at;
  state->timer.expires_at(at);  // cancels a pending wait: its handler sees operation_aborted
  state->timer.async_wait([state](boost::system::error_code ec) {
    if (!ec) OnTimer(state);
  });
}

void DeadlineWatch::OnTimer(const std::shared_ptr<State>& state) {
  State& s = *state;
  s.armed_for = Deadline::max();
  if (!s.alive) return;
  const Deadline now = Clock::now();
  // Expire() closes a socket; the operation's completion (and so Remove)
  // comes later, so collect first and leave `busy` to the owners.
  std::vector<Watched*> due;
  Deadline next = Deadline::max();
  for (Watched* w : s.busy) {
    if (w->deadline_ <= now)
      due.push_back(w);
    else
      next = std::min(next, w->deadline_);
  }
  for (Watched* w : due) w->Expire();
  if (next != Deadline::max()) Arm(state, next);
}

}  // namespace tgate::http
