#include "dispatch/limit_feedback.h"

#include <spdlog/spdlog.h>

namespace tgate::dispatch {

LimitFeedback::LimitFeedback(Scheduler& scheduler, std::string bot, double global_per_sec)
    : scheduler_(scheduler),
      bot_(std::move(bot)),
      ceiling_(global_per_sec),
      governor_(RateGovernorOptions{.ceiling = global_per_sec}) {}

void LimitFeedback::OnAnswer(const Job& job, const telegram::ApiResult& r, SteadyTime now) {
  if (r.http_status == 0) return;  // no answer: its time says nothing about the trip
  // From when the scheduler counted the send: the delay before the request
  // left is part of how late it may arrive.
  rtt_spread_.Add(now - job.released, now);
  const auto spread = rtt_spread_.Spread(now);
  // Windows are re-set only when the spread moved by a millisecond or more.
  if (spread - applied_spread_ >= std::chrono::milliseconds(1) ||
      applied_spread_ - spread >= std::chrono::milliseconds(1)) {
    applied_spread_ = spread;
    scheduler_.SetJitterMargin(spread);
  }
}

void LimitFeedback::On429(const Job& job, SteadyTime now, std::chrono::milliseconds wait) {
  spdlog::warn("bot {}: Telegram said 429 (retry after {} ms) for a chat", bot_, wait.count());
  if (!governor_.On429(job.chat_id, job.released, now)) return;
  // 429s across several chats: the bot as a whole is over a limit Telegram
  // did not publish. Slow down and wait it out.
  scheduler_.SetGlobalRate(governor_.rate());
  scheduler_.PauseAll(now + wait);
  spdlog::warn("bot {}: 429s across chats; global rate lowered to {:.1f}/s", bot_, governor_.rate());
}

void LimitFeedback::Tick(SteadyTime now) {
  if (!governor_.Tick(now)) return;
  scheduler_.SetGlobalRate(governor_.rate());
  if (governor_.rate() >= ceiling_) {
    spdlog::info("bot {}: global rate back at its ceiling {:.1f}/s", bot_, governor_.rate());
  }
}

}  // namespace tgate::dispatch
