// BroadcastStore: the store's role for broadcasts — one text to many chats,
// made at once or materialized in chunks, paged to the dispatcher in the
// order they fall due, counted and cancelled. It is not the per-message
// queue (queue_store.h), though a broadcast's messages live in it and their
// outcomes are written back through QueueStore::Complete.
// Every method is one unit of work: it commits before returning OK.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

class BroadcastStore {
 public:
  virtual ~BroadcastStore() = default;

  // Creates the broadcast and one queued message per target chat (ordered by
  // chat id, not_before spread evenly over spread_seconds from now_ms). A user
  // list is materialized at once; "all" only up to a first chunk, the rest by
  // FillBroadcasts as the dispatcher needs it (targets are the bot's active
  // bindings, in chat id order, as they are when filled).
  // With an idempotency key already used for a broadcast of this bot, makes
  // nothing and returns that broadcast as GetBroadcast does, or Unprocessable
  // if it was made with another idempotency_fingerprint (as Enqueue).
  virtual Awaitable<Result<Broadcast>> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) = 0;
  // Materializes up to `max_rows` more messages of the bot's unfilled
  // broadcast with the fewest materialized messages left to send (ties: the
  // oldest), if it has fewer than `max_rows` left; returns how many it made
  // (0: nothing needed filling yet).
  virtual Awaitable<Result<int64_t>> FillBroadcasts(std::string_view bot, size_t max_rows) = 0;
  // The bot's running broadcasts that have materialized messages left to
  // send, oldest first.
  virtual Awaitable<Result<std::vector<int64_t>>> ActiveBroadcasts(std::string_view bot) = 0;
  // Queued messages of one broadcast with id > after_id, in id order (within a
  // broadcast that is the order they fall due), at most `limit`, ending before
  // the first one never tried that is not due by due_by_ms (wall clock ms). A
  // retry waiting out its backoff past due_by_ms is included, not an end.
  virtual Awaitable<Result<std::vector<Message>>> LoadBroadcastQueued(std::string_view bot,
                                                                      int64_t broadcast_id, int64_t after_id,
                                                                      int64_t due_by_ms, size_t limit) = 0;
  // Counts by status. NotFound if unknown (or pruned, see PruneBroadcasts).
  virtual Awaitable<Result<Broadcast>> GetBroadcast(int64_t id) = 0;
  // Cancels its queued messages; returns the counts after.
  virtual Awaitable<Result<Broadcast>> CancelBroadcast(int64_t id) = 0;
};

}  // namespace tgate::store
