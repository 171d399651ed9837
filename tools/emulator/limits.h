// Limits: Telegram's flood limits as the emulator enforces them
// (botapi-facts.md §1), one SlidingWindow per rule:
//   free messages (no allow_paid_broadcast): global_per_sec per 1 s, bot-wide;
//   paid messages (allow_paid_broadcast):    paid_per_sec per 1 s, bot-wide;
//   each private chat (id > 0):              chat_burst per chat_burst/chat_per_sec s;
//   each group chat (id < 0):                group_per_min per 60 s.
// A request is admitted only if every applicable window admits it; then it is
// recorded in all of them. A refused request is recorded nowhere and gets
// retry_after = ceil(seconds until every window admits one more), at least 1,
// as in "Too Many Requests: retry after N".
// The emulator judges tgate, so it keeps its own numbers and windows, written
// from botapi-facts.md apart from tgate's telegram::RateLimits and
// dispatch::SlidingWindow: a wrong number or an off-by-one in tgate's must
// show here as a 429, not be copied. (limits_test.cc checks that the two sets
// of defaults agree.) tgate's dispatcher tests judge it with this class too
// (telegram/fake_bot_api.h).
// Not thread-safe; time is an argument (tested with numbers, no sleeping).
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "core/clock.h"
#include "tools/emulator/sliding_window.h"

namespace tgate::emulator {

struct LimitOptions {
  // Free messages per second, bot-wide (Telegram: ~30/s).
  double global_per_sec = 30;
  // Paid-broadcast messages per second, bot-wide (Telegram: up to 1000/s).
  double paid_per_sec = 1000;
  // Sustained messages per second to one private chat (Telegram: ~1/s).
  double chat_per_sec = 1;
  // Messages one private chat may get back to back (window = burst/rate).
  double chat_burst = 1;
  // Messages per minute to one group (Telegram: 20/min).
  double group_per_min = 20;
};

// Which rule refused a request (the bot-wide one when both did).
enum class LimitScope { kNone, kFree, kPaid, kPrivateChat, kGroup };
const char* ToString(LimitScope scope);

class Limits {
 public:
  explicit Limits(LimitOptions options);

  // 0 when a sendMessage to `chat_id` at `now` is admitted (and recorded);
  // otherwise the retry_after in whole seconds (>= 1), nothing recorded, and
  // the rule that refused it in *refused_by (when given).
  int64_t Admit(int64_t chat_id, bool paid, SteadyTime now, LimitScope* refused_by = nullptr);

  const LimitOptions& options() const { return options_; }

 private:
  SlidingWindow& ChatWindow(int64_t chat_id, SteadyTime now);

  LimitOptions options_;
  SlidingWindow free_;
  SlidingWindow paid_;
  std::unordered_map<int64_t, SlidingWindow> chats_;
  SteadyTime next_sweep_{};
};

}  // namespace tgate::emulator
