#include "dispatch/rate_governor.h"

#include <algorithm>

namespace tgate::dispatch {

bool RateGovernor::On429(int64_t chat_id, SteadyTime sent_at, SteadyTime now) {
  if (sent_at < last_cut_) return false;  // sent at the rate before the cut
  last_429_ = now;
  recent_.emplace_back(now, chat_id);
  while (recent_.front().first + o_.horizon < now) recent_.pop_front();
  // Distinct chats among the recent 429s (the deque is short: it is cleared
  // at every cut and trimmed to the horizon).
  size_t distinct = 0;
  for (size_t i = 0; i < recent_.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = recent_[j].second == recent_[i].second;
    if (!seen) ++distinct;
  }
  if (distinct < o_.spread_chats) return false;
  rate_ = std::max(o_.floor, rate_ * o_.cut);
  last_change_ = now;
  last_cut_ = now;
  recent_.clear();
  return true;
}

SteadyTime RateGovernor::NextTick() const {
  if (rate_ >= o_.ceiling) return SteadyTime::max();
  return std::max(last_429_, last_change_) + o_.recover_every;
}

bool RateGovernor::Tick(SteadyTime now) {
  if (now < NextTick()) return false;
  rate_ = std::min(o_.ceiling, rate_ + o_.step * o_.ceiling);
  last_change_ = now;
  return true;
}

}  // namespace tgate::dispatch
