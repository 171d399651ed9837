#include "dispatch/outage_monitor.h"

#include <algorithm>

namespace tgate::dispatch {

void OutageMonitor::OnReachable(uint64_t ticket) { last_reachable_ = std::max(last_reachable_, ticket); }

SteadyTime OutageMonitor::NextProbe() const {
  if (probe_in_flight_) return SteadyTime::max();
  if (active_) return next_probe_;
  return probe_wanted_ ? SteadyTime::min() : SteadyTime::max();
}

void OutageMonitor::ProbeSent(SteadyTime now) {
  probe_in_flight_ = true;
  probe_wanted_ = false;
  probe_ticket_ = Ticket();
}

OutageMonitor::Change OutageMonitor::OnProbe(bool reachable, SteadyTime now) {
  probe_in_flight_ = false;
  // A send made after the probe and answered meanwhile says the same.
  if (!reachable && last_reachable_ > probe_ticket_) reachable = true;
  if (reachable) {
    OnReachable(probe_ticket_);
    if (!active_) return Change::kNone;
    active_ = false;
    total_ += now - since_;
    return Change::kEnded;
  }
  if (!active_) {
    active_ = true;
    since_ = now;
    backoff_ = options_.first_probe;
    next_probe_ = now + backoff_;
    return Change::kStarted;
  }
  backoff_ = std::min(backoff_ * 2, options_.max_probe);
  next_probe_ = now + backoff_;
  return Change::kNone;
}

std::chrono::duration<double> OutageMonitor::total(SteadyTime now) const {
  auto t = total_;
  if (active_) t += now - since_;
  return t;
}

}  // namespace tgate::dispatch
