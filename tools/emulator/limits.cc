#include "tools/emulator/limits.h"

#include <algorithm>
#include <cmath>

namespace tgate::emulator {

namespace {

using std::chrono::nanoseconds;

size_t Count(double n) { return static_cast<size_t>(std::max(1.0, std::floor(n))); }

nanoseconds Seconds(double s) { return nanoseconds(static_cast<int64_t>(std::llround(s * 1e9))); }

// How often idle per-chat windows are discarded, so a broadcast to a million
// chats does not keep a million windows alive.
constexpr std::chrono::seconds kSweepEvery{10};

}  // namespace

Limits::Limits(LimitOptions options)
    : options_(options),
      free_(Count(options.global_per_sec), std::chrono::seconds(1)),
      paid_(Count(options.paid_per_sec), std::chrono::seconds(1)) {}

SlidingWindow& Limits::ChatWindow(int64_t chat_id, SteadyTime now) {
  if (now >= next_sweep_) {
    std::erase_if(chats_, [now](auto& kv) { return kv.second.IdleAt(now); });
    next_sweep_ = now + kSweepEvery;
  }
  auto it = chats_.find(chat_id);
  if (it != chats_.end()) return it->second;
  if (chat_id > 0) {
    double burst = std::max(1.0, options_.chat_burst);
    return chats_.emplace(chat_id, SlidingWindow(Count(burst), Seconds(burst / options_.chat_per_sec)))
        .first->second;
  }
  return chats_.emplace(chat_id, SlidingWindow(Count(options_.group_per_min), std::chrono::seconds(60)))
      .first->second;
}

const char* ToString(LimitScope scope) {
  switch (scope) {
    case LimitScope::kNone:
      return "none";
    case LimitScope::kFree:
      return "global";
    case LimitScope::kPaid:
      return "paid";
    case LimitScope::kPrivateChat:
      return "private_chat";
    case LimitScope::kGroup:
      return "group";
  }
  return "none";
}

int64_t Limits::Admit(int64_t chat_id, bool paid, SteadyTime now, LimitScope* refused_by) {
  SlidingWindow& bot = paid ? paid_ : free_;
  SlidingWindow& chat = ChatWindow(chat_id, now);
  const nanoseconds bot_wait = bot.WaitFor(now);
  const nanoseconds wait = std::max(bot_wait, chat.WaitFor(now));
  if (wait > nanoseconds(0)) {
    if (refused_by != nullptr) {
      *refused_by = bot_wait > nanoseconds(0) ? (paid ? LimitScope::kPaid : LimitScope::kFree)
                                              : (chat_id > 0 ? LimitScope::kPrivateChat : LimitScope::kGroup);
    }
    // ceil to whole seconds, at least 1 (botapi-facts.md §1: N is an integer).
    int64_t secs = (wait.count() + 999'999'999) / 1'000'000'000;
    return std::max<int64_t>(1, secs);
  }
  bot.Record(now);
  chat.Record(now);
  return 0;
}

}  // namespace tgate::emulator
