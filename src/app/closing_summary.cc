#include "app/closing_summary.h"

#include <spdlog/spdlog.h>

namespace tgate::app {

std::string ClosingSummary(const std::string& bot, const dispatch::DispatcherStats& stats, int64_t queued) {
  std::string s = "bot " + bot + ": stopped after sending " + std::to_string(stats.sent) + " message(s), " +
                  std::to_string(stats.failed) + " failed";
  if (stats.expired > 0) s += " (" + std::to_string(stats.expired) + " expired)";
  s += ", " + std::to_string(stats.retried) + " retried, " + std::to_string(stats.rate_limited) + " 429s; ";
  if (queued < 0) {
    s += "the queue could not be counted";
  } else if (queued == 0) {
    s += "nothing stays queued";
  } else {
    s += std::to_string(queued) + " stay queued and are sent at the next start";
  }
  return s;
}

Awaitable<void> LogClosingSummary(std::string bot, dispatch::DispatcherStats stats,
                                  store::QueueStore& queue) {
  auto queued = co_await queue.PendingMessages(bot);
  spdlog::info("{}", ClosingSummary(bot, stats, queued.ok() ? *queued : -1));
}

}  // namespace tgate::app
