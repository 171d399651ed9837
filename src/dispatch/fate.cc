#include "dispatch/fate.h"

namespace tgate::dispatch {

void CountFate(Fate fate, DispatcherStats& stats) {
  switch (fate) {
    case Fate::kSent:
      ++stats.sent;
      break;
    case Fate::kRateLimited:
      ++stats.rate_limited;
      break;
    case Fate::kGaveUp:  // a 429 too, and the message failed
      ++stats.rate_limited;
      ++stats.failed;
      break;
    case Fate::kRetried:
      ++stats.retried;
      break;
    case Fate::kBlocked:
    case Fate::kFailed:
      ++stats.failed;
      break;
    case Fate::kExpired:
      ++stats.failed;
      ++stats.expired;
      break;
    case Fate::kPartSent:
    case Fate::kBotPaused:
    case Fate::kMigrated:
      break;
  }
}

}  // namespace tgate::dispatch
