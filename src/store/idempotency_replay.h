// IdempotentReplay: whether a request whose idempotency key is already taken
// may be answered with the row that took it (a retry: the same fingerprint),
// or must be refused (the key reused for another request). The store's rule,
// shared by messages and broadcasts. Not the fingerprint itself (the caller's,
// see api/idempotency.h) and not key validation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

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

}  // namespace tgate::store
