#include "dispatch/answer_handler.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

constexpr int kMaxRateLimited = 100;  // 429s for one message before it fails

}  // namespace

AnswerHandler::AnswerHandler(store::LinkStore& links, const Clock& clock, Scheduler& scheduler,
                             LoadedMessages& held, OutcomeWriter& writer, RestartGuard& restart,
                             AnswerHandlerOptions options)
    : links_(links),
      clock_(clock),
      scheduler_(scheduler),
      held_(held),
      writer_(writer),
      restart_(restart),
      options_(std::move(options)) {}

int64_t AnswerHandler::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
}

Decision AnswerHandler::Decide(Loaded& m, const telegram::ApiResult& r) {
  if (r.transient() && r.kind != telegram::ErrorKind::kRetryAfter) ++m.transient_failures;
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  return dispatch::Decide(r, m.transient_failures, options_.retry, jitter(rng_));
}

std::optional<Fate> AnswerHandler::Act(Job job, Loaded& m, const telegram::ApiResult& r, const Decision& d,
                                       SteadyTime now) {
  switch (d.verdict) {
    case Verdict::kSent:
      return OnSent(std::move(job), m, r);
    case Verdict::kWaitRetryAfter:
      return OnRetryAfter(job, m, r, d.delay, now);
    case Verdict::kRetryLater:
      return OnRetryLater(std::move(job), m, d.delay, now);
    case Verdict::kPauseBot:
      return OnPauseBot(job, d, now);
    case Verdict::kMigrate:
    case Verdict::kBlocked:
      return std::nullopt;  // ActOnStore's
    case Verdict::kFailed:
      break;
  }
  Finish(job, m, store::MessageStatus::kFailed, d.error);
  return Fate::kFailed;
}

Awaitable<Fate> AnswerHandler::ActOnStore(Job job, Loaded& m, const telegram::ApiResult& r, const Decision& d,
                                          SteadyTime now) {
  if (d.verdict == Verdict::kMigrate)
    co_return co_await OnMigrated(std::move(job), r.migrate_to_chat_id, now);
  co_return co_await OnBlocked(job, m, d.error);
}

void AnswerHandler::Finish(const Job& job, Loaded& m, store::MessageStatus status, const std::string& error) {
  // Erased first: a message finished is not held, whatever becomes of the
  // flush it waits for.
  const int64_t id = job.id;
  Loaded finished = std::move(m);
  held_.Erase(id);
  writer_.Finish(job, finished, status, error);
}

Fate AnswerHandler::OnSent(Job job, Loaded& m, const telegram::ApiResult& r) {
  if (m.first_telegram_id == 0) {
    if (r.message_id != 0) m.first_telegram_id = r.message_id;
  }
  ++job.parts_sent;
  PartDelivered(m);
  if (static_cast<size_t>(job.parts_sent) < m.parts().size()) {
    // The next part goes next in this chat; progress is recorded so a
    // restart resumes at the next part.
    writer_.Progress(job, m, 0);
    scheduler_.AddFront(job);
    return Fate::kPartSent;
  }
  Finish(job, m, store::MessageStatus::kSent, "");
  return Fate::kSent;
}

Fate AnswerHandler::OnRetryAfter(const Job& job, Loaded& m, const telegram::ApiResult& r,
                                 std::chrono::milliseconds wait, SteadyTime now) {
  // A 429 uses up no attempt, but a chat Telegram keeps refusing must not
  // hold its message forever.
  if (++m.rate_limited > kMaxRateLimited) {
    const std::string error =
        "gave up after " + std::to_string(kMaxRateLimited) + " rate limits: " + r.description;
    Finish(job, m, store::MessageStatus::kFailed, error);
    return Fate::kGaveUp;
  }
  scheduler_.ParkChat(job.chat_id, now + wait, now);
  scheduler_.AddFront(job);
  // Written back too: a restart must not send into the window Telegram
  // told us to wait out (the message is loaded with its not_before, and
  // its chat's later messages queue behind it).
  writer_.Progress(job, m, WallMs() + wait.count());
  return Fate::kRateLimited;
}

Fate AnswerHandler::OnRetryLater(Job job, Loaded& m, std::chrono::milliseconds wait, SteadyTime now) {
  job.not_before = now + wait;
  writer_.Progress(job, m, WallMs() + wait.count());
  scheduler_.AddFront(job);
  return Fate::kRetried;
}

Fate AnswerHandler::OnPauseBot(const Job& job, const Decision& d, SteadyTime now) {
  spdlog::error("bot {}: Telegram rejected the token ({}); sending paused for {} s", options_.bot, d.error,
                d.delay.count() / 1000);
  scheduler_.PauseAll(now + d.delay);
  scheduler_.AddFront(job);
  return Fate::kBotPaused;
}

Awaitable<Fate> AnswerHandler::OnMigrated(Job job, int64_t to, SteadyTime now) {
  Status s = co_await links_.MoveChat(options_.bot, job.chat_id, to);
  if (!s.ok()) spdlog::error("bot {}: moving a migrated chat failed: {}", options_.bot, s.message());
  spdlog::info("bot {}: group {} became supergroup {}; resending there", options_.bot, job.chat_id, to);
  const int64_t from = job.chat_id;
  held_.MoveChat(from, to);
  scheduler_.MoveChat(from, to, now);
  restart_.OnMigrated(to);  // it has sends of this process in its window now
  job.chat_id = to;
  scheduler_.AddFront(job);
  scheduler_.Done(from, now);
  co_return Fate::kMigrated;
}

Awaitable<Fate> AnswerHandler::OnBlocked(const Job& job, Loaded& m, const std::string& reason) {
  // "blocked: bot was blocked by the user" / "blocked: user is deactivated".
  std::string_view why = reason;
  if (why.rfind("Forbidden: ", 0) == 0) why.remove_prefix(11);
  const std::string error = "blocked: " + std::string(why);
  // `m` is let go of first, and what is held behind it in its chat: nothing
  // held is used across a store call.
  Loaded finished = std::move(m);
  held_.Erase(job.id);
  std::vector<std::pair<Job, Loaded>> behind;
  for (Job& queued : scheduler_.DropChat(job.chat_id)) {
    Loaded* dropped = held_.Find(queued.id);
    if (!dropped) continue;
    const int64_t id = queued.id;
    behind.emplace_back(std::move(queued), std::move(*dropped));
    held_.Erase(id);
  }
  // The binding is closed in the next flush, in one transaction with this
  // outcome (a transaction of its own for each was most of what a blocked
  // user cost: 156,000 instructions, against 55,500 for a delivered
  // message). What the store still queues to the chat fails as it is loaded.
  if (!writer_.Closing(job.chat_id)) {
    auto b = co_await links_.GetBindingByChat(options_.bot, job.chat_id);
    if (b.ok() && b->status == store::UserStatus::kActive) {
      writer_.Emit(json::object{{"type", "user.blocked"}, {"user", b->user}, {"chat_id", job.chat_id}});
    }
    writer_.CloseChat(job.chat_id, store::UserStatus::kBlocked);
  }
  writer_.Finish(job, finished, store::MessageStatus::kFailed, error);
  // What was held behind it fails the same way, unsent (with the same
  // message.failed a one-to-one message gets).
  for (auto& [queued, dropped] : behind) {
    writer_.Finish(queued, dropped, store::MessageStatus::kFailed, error);
  }
  co_return Fate::kBlocked;
}

}  // namespace tgate::dispatch
