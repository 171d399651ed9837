// UpdateIntake: takes a batch of updates Telegram sent, by webhook or by
// long polling, into the store in the caller's one transaction. Where a bot's
// UpdateProcessor runs here and none of its updates is pending, each of its
// updates is processed in that transaction (ProcessOnReceipt: stored
// processed, acted on); else it is stored pending for the processor's loop,
// and so are the bot's later ones in the batch (update_id order holds). An
// update that cannot be processed on receipt (or did not parse) is stored
// pending too, with the bot's later ones behind it: the loop retries it or
// sets it aside. Wake() tells each bot's processor what happened, once the
// transaction committed.
// The batch is first taken with every update processed straight in the
// transaction, all its updates stored together, those taken on receipt
// processed and the others pending (InsertUpdates: one round trip on
// PostgreSQL, where each took one), before each is acted on;
// only when one's processing fails does the transaction roll back and the
// batch go again, each update processed in a savepoint of its own (so that
// one alone rolls back). A savepoint per update costs SQLite a copy of every
// page the update touches, PostgreSQL two round trips, and failures are rare.
// Not the transaction's commit (one transaction holds a whole webhook
// batch), nor authentication or parsing (the caller's). Threading: io thread
// only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "core/lifetime.h"
#include "store/store.h"
#include "telegram/update.h"
#include "webhook/update_processor.h"

namespace tgate::webhook {

// One bot an intake serves, by its index in the caller's list.
struct IntakeBot {
  std::string name;
  // This bot's UpdateProcessor where it runs here, else null (or empty:
  // never processed on receipt). Asked anew for each update, as ownership
  // may move.
  std::function<UpdateProcessor*()> processor;
  std::function<void()> notify;  // wakes it for updates left pending
};

struct ReceivedUpdate {
  size_t bot;  // index in the intake's bots
  store::Update update;
  // Empty: not understood here; stored pending, for the processor's loop
  // (which sets it aside).
  std::optional<telegram::ParsedUpdate> parsed;
};

class UpdateIntake {
 public:
  explicit UpdateIntake(std::vector<IntakeBot> bots) : bots_(std::move(bots)) {}

  // What Take() did with a batch, for Wake() once its transaction committed.
  struct Taken {
    std::vector<bool> inserted;   // by update: new (false: a duplicate)
    std::vector<bool> notify;     // by bot: updates were left pending
    std::vector<bool> processed;  // by bot: updates were processed on receipt
    std::vector<bool> replied;    // by bot: and one of them queued a reply
  };

  // Stores (and where it may, processes) every update of `batch` in one
  // transaction of `store` (two, when a processing failed in the first).
  // Not OK when nothing was stored; Unavailable once `life` ended.
  Awaitable<Status> TakeInTransaction(Lifetime::Token life, store::Store& store,
                                      const std::vector<ReceivedUpdate>& batch, Taken& taken) const;
  // After the commit: wakes each bot's processor for what it has to do.
  void Wake(const Taken& taken) const;

 private:
  // How a batch's updates processed on receipt are taken: each in a
  // savepoint of its own, or all straight in the transaction.
  enum class Isolation { kSavepoint, kNone };
  // The batch in `tx`. An error fails the whole transaction: the caller rolls
  // it back. With Isolation::kNone, an update whose processing failed (or
  // whose bot's processor left meanwhile) sets `processing_failed` and fails
  // the transaction.
  Awaitable<Status> Take(Lifetime::Token life, store::Store& tx, const std::vector<ReceivedUpdate>& batch,
                         Isolation isolation, Taken& taken, bool& processing_failed) const;

  std::vector<IntakeBot> bots_;
};

}  // namespace tgate::webhook
