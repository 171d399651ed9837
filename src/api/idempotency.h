// Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header
// Field"): how a site request names itself so a retry is answered instead of
// acted on twice. Here: reading and validating the header, the request
// fingerprint stored with the key, and the 422 for a key reused with another
// body. Not the storage or the race between two requests with one key (the
// store's unique index decides, store/idempotency_replay.h).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace tgate::api {

// The Idempotency-Key header: empty if absent; InvalidArgument (400) unless
// 1-255 printable ASCII characters (no spaces).
Result<std::string> ReadIdempotencyKey(const http::Request& req);

// SHA-256 (lowercase hex) of the request body in a canonical form, so a retry
// serialized differently (key order, whitespace, escapes) is the same request:
// object members sorted by name at every depth, then serialized compactly.
// The top level drops null members (the API reads null as absent) and "bot"
// (the key is already scoped to the bot, so a body that names the default bot
// and one that omits it are the same request). Every other field counts, so a
// field added later (ttl_seconds) is covered without change here.
std::string RequestFingerprint(const boost::json::object& body);

// The answer for a store error on a request with an idempotency key: 422
// {"error":{"code":"idempotency_key_reused",...}} for the store's
// Unprocessable (the key was used for a different request), else as
// http::ErrorResponse.
http::Response IdempotencyErrorResponse(const http::Request& req, const Status& status);

}  // namespace tgate::api
