// LimitFeedback: adjusts the Scheduler's limits to what Telegram's answers
// show, for one bot. Two loops, each around a pure estimator:
//  - the round trips' spread (RttSpread) widens every window, so requests
//    released evenly cannot arrive closer than a window apart;
//  - 429s from several chats (RateGovernor) lower the global rate and pause
//    every chat for retry_after; quiet periods raise it back (Tick).
// Not the limits themselves (scheduler.h) and not a single chat's 429 (its
// park is the AnswerHandler's).
// Not thread-safe: confined to the Dispatcher's thread. The Scheduler must
// outlive it.
#pragma once

#include <chrono>
#include <string>

#include "dispatch/rate_governor.h"
#include "dispatch/rtt_spread.h"
#include "dispatch/scheduler.h"
#include "telegram/api_result.h"

namespace tgate::dispatch {

class LimitFeedback {
 public:
  // `global_per_sec`: the configured global rate, the most it climbs back to.
  LimitFeedback(Scheduler& scheduler, std::string bot, double global_per_sec);
  LimitFeedback(const LimitFeedback&) = delete;
  LimitFeedback& operator=(const LimitFeedback&) = delete;

  // `job`'s send was answered with `r` at `now`. A round trip counts only
  // with an HTTP answer (a transport failure's time says nothing about it);
  // the windows are re-set only when the spread moved by 1 ms or more.
  void OnAnswer(const Job& job, const telegram::ApiResult& r, SteadyTime now);
  // A 429 told `job`'s chat to wait `wait`: if 429s spread across chats,
  // the whole bot slows down and waits it out.
  void On429(const Job& job, SteadyTime now, std::chrono::milliseconds wait);
  // Raises the global rate back after a quiet period.
  void Tick(SteadyTime now);

 private:
  Scheduler& scheduler_;
  const std::string bot_;
  const double ceiling_;
  RttSpread rtt_spread_;
  std::chrono::steady_clock::duration applied_spread_{};  // what the scheduler was last given
  RateGovernor governor_;
};

}  // namespace tgate::dispatch
