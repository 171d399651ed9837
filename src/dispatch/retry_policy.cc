#include "dispatch/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace tgate::dispatch {

using telegram::ErrorKind;

Decision Decide(const telegram::ApiResult& r, int attempts, const RetryOptions& o, double jitter) {
  switch (r.kind) {
    case ErrorKind::kNone:
      return {Verdict::kSent, {}, {}};
    case ErrorKind::kRetryAfter:
      // Never send into a window we were told to wait out: retry_after is whole
      // seconds, add a little so rounding cannot put us early.
      return {Verdict::kWaitRetryAfter,
              std::chrono::seconds(std::max(1, r.retry_after)) + std::chrono::milliseconds(50),
              {}};
    case ErrorKind::kServerError:
    case ErrorKind::kNetwork: {
      if (attempts >= o.max_attempts) {
        return {Verdict::kFailed,
                {},
                "gave up after " + std::to_string(attempts) + " attempts: " + r.description};
      }
      double base = double(o.first_backoff.count()) * std::pow(2.0, std::max(0, attempts - 1));
      double capped = std::min(base, double(o.max_backoff.count()));
      auto delay = std::chrono::milliseconds(static_cast<int64_t>(capped * (0.75 + 0.5 * jitter)));
      return {Verdict::kRetryLater, delay, {}};
    }
    case ErrorKind::kBlocked:
    case ErrorKind::kDeactivated:
      return {Verdict::kBlocked, {}, r.description};
    case ErrorKind::kMigrated:
      return {Verdict::kMigrate, {}, {}};
    case ErrorKind::kUnauthorized:
      return {Verdict::kPauseBot, o.unauthorized_pause, r.description};
    case ErrorKind::kChatNotFound:
    case ErrorKind::kForbidden:
    case ErrorKind::kBadRequest:
    case ErrorKind::kNotFound:
    case ErrorKind::kConflict:
      return {Verdict::kFailed, {}, r.description.empty() ? std::string(ToString(r.kind)) : r.description};
  }
  return {Verdict::kFailed, {}, r.description};
}

}  // namespace tgate::dispatch
