// InboxStore: the store's role for the updates Telegram sends — stored before
// they are acknowledged (a durable ack), deduplicated by update_id, then
// marked processed or set aside. It is not the processing (webhook/
// update_processor.h) and not the queue the processing may add replies to.
// Every method is one unit of work: it commits before returning OK.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

class InboxStore {
 public:
  virtual ~InboxStore() = default;

  // Stores the update: pending, or processed (update.processed: without its
  // payload, types.h). Returns false (and stores nothing) if this bot's
  // update_id was already received.
  // Several in one transaction (TransactionRunner) share its commit: the
  // webhook's group commit (webhook/update_receiver.h).
  virtual Awaitable<Result<bool>> InsertUpdate(const Update& update) = 0;
  // Stores each of `updates` as InsertUpdate does, in order, all or none:
  // whether each was new (false: its bot's update_id was received before,
  // or earlier in `updates`). PostgreSQL: one statement, one round trip for
  // them all (a webhook batch's or a getUpdates answer's updates, processed
  // on receipt or left pending; InsertUpdate's answer is needed before the
  // next).
  virtual Awaitable<Result<std::vector<bool>>> InsertUpdates(std::span<const Update> updates) = 0;
  // Received but neither processed nor set aside, by update_id.
  virtual Awaitable<Result<std::vector<Update>>> PendingUpdates(std::string_view bot, size_t limit) = 0;
  virtual Awaitable<Status> MarkUpdateProcessed(std::string_view bot, int64_t update_id) = 0;
  // An update that cannot be processed: kept, with the reason, but no longer
  // pending (so it blocks none behind it). Retention deletes it like a
  // processed one. NotFound unless the update is pending.
  virtual Awaitable<Status> SetUpdateAside(std::string_view bot, int64_t update_id,
                                           std::string_view reason) = 0;
  // How many of the bot's stored updates are set aside (cheap: its own index).
  virtual Awaitable<Result<int64_t>> CountSetAsideUpdates(std::string_view bot) = 0;
  // Highest update_id ever received for the bot, or 0 (for getUpdates offsets).
  virtual Awaitable<Result<int64_t>> MaxUpdateId(std::string_view bot) = 0;
};

}  // namespace tgate::store
