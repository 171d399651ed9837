// AnswerHandler: acts on Telegram's answer to one send, as the retry policy
// (retry_policy.h) decides it, one small function per kind of answer:
//  - sent: the next part goes next in its chat, or the message is finished;
//  - 429: the chat is parked for retry_after and the wait written back (a
//    message refused over kMaxRateLimited times fails instead);
//  - 5xx / network (Telegram reachable): tried again after a backoff;
//  - 401: the whole bot pauses, the message is kept;
//  - migrated: the chat moves (Store, held messages, Scheduler) and the
//    message is resent there;
//  - 403 blocked: the user is marked blocked (user.blocked, in the store
//    with the outcome: OutcomeWriter::CloseChat) and what is held for the
//    chat fails with the message (what is still in the store fails as it
//    is loaded: store::Message::chat_blocked);
//  - any other refusal: failed.
// It returns the message's Fate and counts nothing: statistics (fate.h) and
// the bot-wide reaction to a 429 (the RateGovernor) are the Dispatcher's;
// events and completions go through the OutcomeWriter. Not the decision
// itself (retry_policy.h) and not the routing of answers during a Bot API
// outage (outage_monitor.h): only answers that count reach it.
// Not thread-safe: confined to the Dispatcher's thread. Everything given at
// construction must outlive it.
#pragma once

#include <optional>
#include <random>
#include <string>

#include "core/awaitable.h"
#include "core/clock.h"
#include "dispatch/fate.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/outcome_writer.h"
#include "dispatch/restart_guard.h"
#include "dispatch/retry_policy.h"
#include "dispatch/scheduler.h"
#include "store/link_store.h"
#include "telegram/api_result.h"

namespace tgate::dispatch {

struct AnswerHandlerOptions {
  std::string bot = "default";
  RetryOptions retry;
};

class AnswerHandler {
 public:
  AnswerHandler(store::LinkStore& links, const Clock& clock, Scheduler& scheduler, LoadedMessages& held,
                OutcomeWriter& writer, RestartGuard& restart, AnswerHandlerOptions options);
  AnswerHandler(const AnswerHandler&) = delete;
  AnswerHandler& operator=(const AnswerHandler&) = delete;

  // What to do with `m` after answer `r`: counts a transient failure on it
  // (a 429 is not one) and asks the retry policy, with jitter.
  Decision Decide(Loaded& m, const telegram::ApiResult& r);
  // Carries out `d` for `job`, the send of `m` (held) answered with `r` at
  // `now`, and returns the message's fate. The chat stays in flight: the
  // caller releases it (ChatDone), except after kMigrated, which released
  // it. `m` is no longer held after kSent, kGaveUp, kBlocked and kFailed.
  // Every verdict is carried out at once but the two that wait for the
  // store (a migrated chat is moved there, a blocked chat's user looked
  // up): for those it does nothing and returns nullopt, and ActOnStore
  // carries them out. So the answer to a send that went through, by far
  // the most common, is settled without a suspension (each coroutine level
  // costs a frame and a resumption per message).
  std::optional<Fate> Act(Job job, Loaded& m, const telegram::ApiResult& r, const Decision& d,
                          SteadyTime now);
  // Carries out a verdict Act left (kMigrate, kBlocked). A coroutine: `m`
  // is not used after it suspends.
  Awaitable<Fate> ActOnStore(Job job, Loaded& m, const telegram::ApiResult& r, const Decision& d,
                             SteadyTime now);

  // `m`, sent as `job`, is finished: its outcome is batched and it is no
  // longer held.
  void Finish(const Job& job, Loaded& m, store::MessageStatus status, const std::string& error);

 private:
  Fate OnSent(Job job, Loaded& m, const telegram::ApiResult& r);
  Fate OnRetryAfter(const Job& job, Loaded& m, const telegram::ApiResult& r, std::chrono::milliseconds wait,
                    SteadyTime now);
  Fate OnRetryLater(Job job, Loaded& m, std::chrono::milliseconds wait, SteadyTime now);
  Fate OnPauseBot(const Job& job, const Decision& d, SteadyTime now);
  Awaitable<Fate> OnMigrated(Job job, int64_t to, SteadyTime now);
  Awaitable<Fate> OnBlocked(const Job& job, Loaded& m, const std::string& reason);
  int64_t WallMs() const;

  store::LinkStore& links_;
  const Clock& clock_;
  Scheduler& scheduler_;
  LoadedMessages& held_;
  OutcomeWriter& writer_;
  RestartGuard& restart_;
  const AnswerHandlerOptions options_;
  std::mt19937 rng_{12345};  // retry jitter: fixed seed, runs repeat
};

}  // namespace tgate::dispatch
