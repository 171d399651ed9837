// RetentionStore: the store's role for forgetting — bounded deletes of what
// is finished and old enough. It is not the policy: the caller decides when
// and how old (app/pruner.h). Nothing queued, pending or running is ever
// deleted, whatever its age.
// Every method is one unit of work (one short transaction), so a pass over a
// large table is many calls that continue where the last one stopped.
#pragma once

#include <cstdint>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  // Deletes finished messages (sent, failed, cancelled) created and last
  // updated before `before` (Unix seconds). Queued messages are never
  // deleted, whatever their age. Looks at no more than `max_rows` messages,
  // in one short transaction; repeated calls continue where the last one
  // stopped until a result says done. A broadcast keeps its counts; a pruned
  // message is NotFound to GetMessage, and its idempotency key is free again.
  virtual Awaitable<Result<PruneResult>> PruneMessages(int64_t before, size_t max_rows) = 0;
  // Deletes processed and set-aside updates received before `before` (Unix
  // seconds), except each bot's newest (MaxUpdateId must not go back).
  // Pending updates are never deleted. Looks at no more than `max_rows` updates per call.
  // Updates are kept so that Telegram's late duplicates are still dropped:
  // `before` should be at least a day ago (Telegram keeps an unconfirmed
  // update for at most 24 hours).
  virtual Awaitable<Result<PruneResult>> PruneUpdates(int64_t before, size_t max_rows) = 0;
  // Deletes finished broadcasts created before `before` (Unix seconds) that
  // have no message left (PruneMessages takes those first) and, if
  // cancelled, were cancelled before it too. A broadcast to "all" not yet
  // fully materialized is never deleted. A pruned broadcast is NotFound to
  // GetBroadcast and CancelBroadcast. Looks at no more than `max_rows`
  // broadcasts per call; repeated calls continue until a result says done.
  virtual Awaitable<Result<PruneResult>> PruneBroadcasts(int64_t before, size_t max_rows) = 0;
  // Deletes events created before `before` (Unix seconds). Every event in
  // the outbox is undelivered (a delivered one is deleted at once): these are
  // the ones no events_url took in time (none configured, or the site never
  // answered 2xx), dropped unsent. Looks at no more than `max_rows` events
  // per call; repeated calls continue until a result says done.
  virtual Awaitable<Result<PruneResult>> PruneEvents(int64_t before, size_t max_rows) = 0;
  // Deletes link tokens with expires_at < now. Returns how many.
  virtual Awaitable<Result<int64_t>> PruneLinkTokens(int64_t now) = 0;
};

}  // namespace tgate::store
