// RetryPolicy: what to do with a message after Telegram answered (pure; the
// answer is classified by telegram::Classify, botapi-facts.md §5):
//  - ok: sent;
//  - 429: wait retry_after (the chat is parked); does not use up an attempt;
//  - 5xx / network: retry with exponential backoff and jitter, up to
//    max_attempts, then failed with the reason (only once the Dispatcher
//    knows Telegram was reachable: in a Bot API outage, outage_monitor.h,
//    the message goes back to the queue and no attempt is spent);
//  - 403 blocked / deactivated: the user is blocked, their queue fails;
//  - 400 migrated: move the chat and resend;
//  - 401: the token was revoked: pause the whole bot, keep the message;
//  - other 4xx: failed, Telegram will not take it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "telegram/api_result.h"

namespace tgate::dispatch {

enum class Verdict { kSent, kWaitRetryAfter, kRetryLater, kBlocked, kMigrate, kPauseBot, kFailed };

struct Decision {
  Verdict verdict = Verdict::kFailed;
  std::chrono::milliseconds delay{0};  // kWaitRetryAfter, kRetryLater, kPauseBot
  std::string error;                   // kFailed / kBlocked: the reason kept on the message
};

struct RetryOptions {
  int max_attempts = 8;                                 // transient failures before giving up
  std::chrono::milliseconds first_backoff{1000};        // doubled per attempt
  std::chrono::milliseconds max_backoff{300000};        // 5 min
  std::chrono::milliseconds unauthorized_pause{60000};  // token revoked: retry slowly
};

// `attempts` counts the transient failures so far, including this one.
// `jitter` in [0, 1) spreads retries of many messages apart.
Decision Decide(const telegram::ApiResult& r, int attempts, const RetryOptions& o, double jitter);

}  // namespace tgate::dispatch
