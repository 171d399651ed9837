// What every Store backend refuses before touching its database: a message
// without a bot or a chat, a broadcast without a bot, with a negative spread
// or with neither all=true nor a user list. One definition, called by the
// SQLite and the PostgreSQL store, so both answer the same InvalidArgument.
// Not the site API's validation (api/: text length, parse modes, ...), which
// runs earlier and says more; this is the store's own floor.
#pragma once

#include "core/status.h"
#include "store/types.h"

namespace tgate::store {

// InvalidArgument "message has no bot" / "message has no chat_id", else OK.
Status ValidateNewMessage(const NewMessage& message);

// InvalidArgument "broadcast has no bot" / "spread_seconds must be >= 0" /
// "broadcast needs all=true or a list of users", else OK.
Status ValidateNewBroadcast(const NewBroadcast& broadcast);

// Whether an Enqueue that answered `s` refused that message alone (invalid,
// or its idempotency key reused with another body: nothing written), so a
// batch (EnqueueMany) goes on with the others. Any other error is the
// database's, and fails the whole batch.
inline bool RefusesOnlyTheMessage(const Status& s) {
  return s.code() == Code::kInvalidArgument || s.code() == Code::kUnprocessable;
}

}  // namespace tgate::store
