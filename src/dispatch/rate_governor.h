// RateGovernor: the adaptive global send rate. Telegram does not say whether a
// 429 concerns one chat or the whole bot, and its real limits are not
// published exactly and move (botapi-facts.md §1, "The limits are not
// published precisely and they change"). So: a 429 concerns its chat (the
// Dispatcher parks that chat), but 429s from several distinct chats within a
// short horizon mean the bot as a whole is over a limit — cut the global rate
// (and the caller pauses every chat for retry_after). After a quiet period the
// rate climbs back step by step to the configured ceiling, which is a ceiling,
// not a promise. One cut per episode: the 429s that answer requests sent
// before a cut say nothing about the rate after it (they were in flight at
// the old one), so they neither count nor restart the quiet period.
// Pure (time is an argument); not thread-safe; owned by the Dispatcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

#include "core/clock.h"
#include "telegram/rate_limits.h"

namespace tgate::dispatch {

struct RateGovernorOptions {
  double ceiling = telegram::RateLimits{}.global_per_sec;  // the configured global_per_sec
  double floor = 1;                                        // never slower than this (msg/s)
  double cut = 0.7;                                        // multiply the rate on spreading 429s
  double step = 0.05;                                      // of the ceiling, added back per quiet period
  size_t spread_chats = 3;                                 // distinct chats that mean "the bot, not a chat"
  std::chrono::seconds horizon{10};                        // how far back 429s count as spreading
  std::chrono::seconds recover_every{10};                  // quiet time before each step up
};

class RateGovernor {
 public:
  explicit RateGovernor(const RateGovernorOptions& options) : o_(options), rate_(options.ceiling) {}

  // A 429 answered the send to `chat_id` made at `sent_at`. True if the bot
  // as a whole must slow down: rate() was just lowered.
  bool On429(int64_t chat_id, SteadyTime sent_at, SteadyTime now);
  // Steps the rate back up after quiet periods. True if rate() changed.
  bool Tick(SteadyTime now);

  double rate() const { return rate_; }
  // When Tick() may next raise the rate; SteadyTime::max() at the ceiling.
  SteadyTime NextTick() const;

 private:
  RateGovernorOptions o_;
  double rate_;
  std::deque<std::pair<SteadyTime, int64_t>> recent_;  // (when, chat) of 429s within the horizon
  SteadyTime last_429_{};
  SteadyTime last_change_{};
  SteadyTime last_cut_ = SteadyTime::min();
};

}  // namespace tgate::dispatch
