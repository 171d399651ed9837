#include "app/pruner.h"

#include <spdlog/spdlog.h>

#include "core/log_stopped.h"
#include "core/status_macros.h"

namespace tgate::app {

Pruner::Pruner(asio::any_io_executor executor, store::RetentionStore& store, const Clock& clock,
               PrunerOptions options)
    : executor_(executor), store_(store), clock_(clock), options_(options) {}

void Pruner::Start() { asio::co_spawn(executor_, Loop(life_.token()), LogStopped("pruner")); }

void Pruner::Stop() { life_.End(); }

Awaitable<Status> Pruner::Drain(Lifetime::Token life, PruneFn prune, int64_t before, int64_t* deleted) {
  for (;;) {
    auto pruned = co_await (store_.*prune)(before, options_.batch_rows);
    if (life.ended()) co_return Status::Ok();
    TGATE_CO_ASSIGN_OR_RETURN(auto r, std::move(pruned));
    *deleted += r.deleted;
    if (r.done) co_return Status::Ok();
    co_await life.Sleep(options_.pause);
    if (life.ended()) co_return Status::Ok();
  }
}

Awaitable<Result<PruneCounts>> Pruner::Round() { return RoundUntilEnded(life_.token()); }

Awaitable<Result<PruneCounts>> Pruner::RoundUntilEnded(Lifetime::Token life) {
  PruneCounts counts;
  const int64_t now = clock_.UnixSeconds();
  auto pruned_tokens = co_await store_.PruneLinkTokens(now);
  if (life.ended()) co_return counts;
  TGATE_CO_ASSIGN_OR_RETURN(auto tokens, std::move(pruned_tokens));
  counts.link_tokens = tokens;
  if (options_.retention.count() == 0) co_return counts;
  const int64_t before = now - options_.retention.count();
  struct Step {
    PruneFn prune;
    int64_t* deleted;
  };
  // Messages first: a broadcast goes only once its messages have, so one
  // whose last messages age out this round goes this round too.
  const Step steps[] = {
      {&store::RetentionStore::PruneMessages, &counts.messages},
      {&store::RetentionStore::PruneBroadcasts, &counts.broadcasts},
      {&store::RetentionStore::PruneUpdates, &counts.updates},
      {&store::RetentionStore::PruneEvents, &counts.events},
  };
  for (const Step& step : steps) {
    if (life.ended()) co_return counts;
    TGATE_CO_RETURN_IF_ERROR(co_await Drain(life, step.prune, before, step.deleted));
  }
  co_return counts;
}

void Pruner::LogRound(const PruneCounts& counts) const {
  const auto days = std::chrono::duration_cast<std::chrono::days>(options_.retention).count();
  if (counts.messages > 0 || counts.broadcasts > 0 || counts.updates > 0) {
    spdlog::info(
        "pruned {} finished messages, {} finished broadcasts and {} processed updates older than {} days, "
        "and {} expired link tokens",
        counts.messages, counts.broadcasts, counts.updates, days, counts.link_tokens);
  } else if (counts.link_tokens > 0) {
    spdlog::info("pruned {} expired link tokens", counts.link_tokens);
  }
  if (counts.events > 0 && !options_.events_taken) {
    spdlog::info("dropped {} events older than {} days (no events_url is set, so nobody takes them)",
                 counts.events, days);
  } else if (counts.events > 0) {
    // Lost to the site for good: an operator should hear of it.
    spdlog::warn(
        "dropped {} undelivered events older than {} days: the site at events_url never took them "
        "(it did not answer 2xx)",
        counts.events, days);
  }
}

Awaitable<void> Pruner::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    auto counts = co_await RoundUntilEnded(life);
    if (life.ended()) co_return;
    if (!counts.ok()) {
      // Tried again next round (a busy database, a full disk).
      spdlog::error("pruning the database failed: {}", counts.status().message());
    } else {
      LogRound(*counts);
    }
    co_await life.Sleep(options_.interval);
  }
}

}  // namespace tgate::app
