// Skipped users: the requested users of a broadcast to a list that got no
// message, with why ("not_linked": no binding for the bot; "blocked": the
// user blocked the bot), in the order they were requested, each once. Kept
// with the broadcast as a JSON array (broadcasts.skipped_users) so a replay
// of its Idempotency-Key answers the same list; bounded by the request's
// size. Shared by both backends. Not the count (Broadcast::skipped) alone.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/types.h"

namespace tgate::store {

// The users of `requested` that are not active in `bindings` (user -> status
// of the bot's binding), in request order, duplicates once.
std::vector<SkippedUser> SkippedUsersOf(const std::vector<std::string>& requested,
                                        const std::map<std::string, UserStatus>& bindings);

// As stored: [{"user":"7","reason":"not_linked"},...]; "" for none.
std::string SkippedUsersJson(const std::vector<SkippedUser>& skipped);
// What SkippedUsersJson wrote ("" or NULL: none). Text that is not such an
// array (never written by tgate) reads as none.
std::vector<SkippedUser> ParseSkippedUsers(const std::string& text);

}  // namespace tgate::store
