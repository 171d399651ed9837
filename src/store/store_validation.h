// What every Store backend refuses before touching its database: a message
// without a bot or a recipient, a broadcast without a bot, with a negative spread
// or with neither all=true nor a user list; and whom a message to a site user
// may go to. One definition, called by the SQLite and the PostgreSQL store,
// so both answer alike.
// Not the site API's validation (api/: text length, parse modes, ...), which
// runs earlier and says more; this is the store's own floor.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "store/types.h"

namespace tgate::store {

// InvalidArgument "message has no bot" / "message has no chat_id and no
// user", else OK.
Status ValidateNewMessage(const NewMessage& message);

// InvalidArgument "broadcast has no bot" / "spread_seconds must be >= 0" /
// "broadcast needs all=true or a list of users", else OK.
Status ValidateNewBroadcast(const NewBroadcast& broadcast);

// Whether a message to `message.user` is addressed by its binding
// (chat_id 0): Enqueue then reads the binding in its own transaction.
inline bool AddressedByBinding(const NewMessage& message) {
  return message.chat_id == 0 && !message.user.empty();
}

// Whether EnqueueMany may write `message` in one statement with the others
// of its run: addressed by its user's binding, and valid (an invalid one
// goes to Enqueue, which says why).
inline bool TakesTheHotPath(const NewMessage& message) {
  return AddressedByBinding(message) && ValidateNewMessage(message).ok();
}

// The chat a message to site user `user` goes to, given the lookup of the
// user's binding (LinkStore::GetBinding): its chat_id; NotFound naming the
// user if they are not linked to the bot; Conflict if they blocked it
// (nothing is stored for them until they unblock it); another lookup error
// as it is.
Result<int64_t> AddressedChat(std::string_view user, const Result<Binding>& binding);

// Whether an Enqueue that answered `s` refused that message alone (invalid,
// its idempotency key reused with another body, its user not linked or
// blocked: nothing written), so a batch (EnqueueMany) goes on with the
// others. Any other error is the database's, and fails the whole batch.
inline bool RefusesOnlyTheMessage(const Status& s) {
  return s.code() == Code::kInvalidArgument || s.code() == Code::kUnprocessable ||
         s.code() == Code::kNotFound || s.code() == Code::kConflict;
}

}  // namespace tgate::store
