// RateLimits: Telegram's flood limits for one bot (botapi-facts.md §1), the
// one place tgate writes them down. Defaults are the published numbers;
// configuration may lower or raise them per bot. Each is a sliding window:
//   free messages (no allow_paid_broadcast): global_per_sec per 1 s, bot-wide;
//   paid messages (allow_paid_broadcast):    paid_per_sec per 1 s, bot-wide;
//   each private chat (id > 0):              chat_burst per chat_burst/chat_per_sec s;
//   each group or channel (id < 0):          group_per_min per 60 s.
// Plain data: the structs that carry these limits (config::Limits,
// dispatch::DispatcherOptions, dispatch::SchedulerLimits) derive from it, so
// the fields keep their names there and one is copied to another by slicing.
// Not the emulator's: tools/emulator/limits.h keeps its own numbers, since it
// judges tgate against Telegram's rules and must not take them from tgate.
// Not a limiter either (see dispatch/scheduler.h).
#pragma once

namespace tgate::telegram {

struct RateLimits {
  double global_per_sec = 30;  // all chats together (FAQ: "about 30 messages per second")
  double paid_per_sec = 1000;  // with allow_paid_broadcast (API: "up to 1000 messages per second")
  double chat_per_sec = 1;     // one private chat (FAQ: "one message per second")
  double chat_burst = 1;       // messages a private chat may get back to back
  double group_per_min = 20;   // one group/channel (FAQ: "20 messages per minute")
};

}  // namespace tgate::telegram
