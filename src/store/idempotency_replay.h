// IdempotentReplay: whether a request whose idempotency key is already taken
// may be answered with the row that took it (a retry: the same fingerprint),
// or must be refused (the key reused for another request), and the answer an
// Enqueue gives then. The store's rule, shared by messages and broadcasts and
// by both backends. Not the fingerprint itself (the caller's,
// see api/idempotency.h) and not key validation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/awaitable.h"
#include "core/result.h"
#include "core/status.h"
#include "store/queue_store.h"
#include "store/types.h"

namespace tgate::store {

// OK when `fingerprint` matches the one stored with the key, or either is
// empty (a row from before fingerprints, or a caller that gives none: not
// compared). Otherwise Unprocessable (422) naming the key and the first
// row's id; `what` is "message" or "broadcast".
inline Status CheckIdempotentReplay(std::string_view what, int64_t first_id, std::string_view key,
                                    std::string_view first_fingerprint, std::string_view fingerprint) {
  if (first_fingerprint.empty() || fingerprint.empty() || first_fingerprint == fingerprint)
    return Status::Ok();
  return Status::Unprocessable("Idempotency-Key '" + std::string(key) + "' was already used for " +
                               std::string(what) + " " + std::to_string(first_id) +
                               " with a different request body; nothing was stored. Retry with the first "
                               "request's exact body to get its answer, or use a new key for a new " +
                               std::string(what));
}

// The answer to an Enqueue whose key another message holds: that message
// (existed = true), given the lookup of the key (FindMessageByIdempotencyKey:
// the id, or Unprocessable from CheckIdempotentReplay). The insert lost to a
// row, so a lookup that finds none is Internal, not NotFound.
inline Result<Enqueued> ReplayedEnqueue(const Result<int64_t>& prior) {
  if (!prior.ok()) {
    if (prior.status().IsNotFound())
      return Status::Internal("idempotency key conflict without a prior message");
    return prior.status();
  }
  return Enqueued{*prior, true};
}

// For a message addressed by its binding (store_validation.h) that the
// binding refuses (`refusal`: NotFound, not linked; Conflict, blocked): the
// answer to a retry if its key is taken already (ReplayedEnqueue: the user
// unlinked or blocked the bot after the first request), else the refusal.
// The binding is read first and the key only on a refusal: an accepted
// message's insert finds a taken key by itself (ON CONFLICT), so the hot path
// looks the key up once, not twice.
inline Awaitable<Result<Enqueued>> ReplayOrRefusal(QueueStore& queue, const NewMessage& message,
                                                   Status refusal) {
  if (message.idempotency_key.empty() || !(refusal.IsNotFound() || refusal.IsConflict())) co_return refusal;
  auto prior = co_await queue.FindMessageByIdempotencyKey(message.bot, message.idempotency_key,
                                                          message.idempotency_fingerprint);
  if (!prior.ok() && prior.status().IsNotFound()) co_return refusal;
  co_return ReplayedEnqueue(prior);
}

}  // namespace tgate::store
