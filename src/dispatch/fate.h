// Fate: what became of a loaded message after Telegram answered its send, or
// its deadline passed, as the Dispatcher's statistics (DispatcherStats) count
// it. The answer handler (answer_handler.h) says which; CountFate counts it,
// so the numbers are kept apart from the decisions.
#pragma once

#include "dispatch/dispatcher.h"

namespace tgate::dispatch {

enum class Fate {
  kPartSent,     // one part of a split text sent; the next goes next
  kSent,         // delivered (its last part)
  kRateLimited,  // 429: the chat waits retry_after, the message is kept
  kGaveUp,       // 429 once too often: failed
  kRetried,      // 5xx / network: tried again after a backoff
  kBotPaused,    // 401: the whole bot waits, the message is kept
  kMigrated,     // the group became a supergroup: resent there
  kBlocked,      // 403, or loaded to a chat closed since: failed
  kFailed,       // any other refusal
  kExpired,      // its deadline passed before it could be sent: failed
};

// Adds `fate` to `stats` (sent, failed, retried, rate_limited, expired).
void CountFate(Fate fate, DispatcherStats& stats);

}  // namespace tgate::dispatch
