// UpdateProcessor: acts on the updates of one bot, in update_id order, each
// exactly once (the update, its effects and its "processed" mark commit in one
// transaction, so a crash replays it whole or not at all): on receipt, in the
// webhook's transaction that stores it (ProcessOnReceipt), or later, in a
// pass of its loop over the pending ones (a burst shares one transaction;
// only when an update fails in it does it roll back and go again with each
// update in a savepoint, so the failing one rolls back alone):
//  - "/start <token>" (from the deep link, or typed) links the chat through
//    the Linker and queues the welcome reply; an unknown or expired token
//    queues a polite reply and binds nothing;
//  - my_chat_member in a private chat: "kicked" marks the user blocked,
//    "member" active again;
//  - everything else is forwarded to the site as an "update" event.
// An update that cannot be processed (unparsable, or its processing fails
// other than transiently) is set aside: its partial effects roll back, it is
// marked in the store with the reason (kept, no longer pending, never
// retried; in the same commit), logged once and counted; the ones behind it
// go on. Only a
// transient failure (the store busy: Code::kUnavailable) ends the pass, and
// the same update is retried first on the next one.
// Not the HTTP endpoint (update_receiver.h) nor long polling (long_poller.h).
// Threading: one coroutine on the io executor (app/threads.h); Store/Linker/
// Clock outlive the processor. Destroying it stops the coroutine, Stop()
// called or not (core/lifetime.h): it touches nothing of the processor after.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/lifetime.h"
#include "core/thread_check.h"
#include "http/asio.h"
#include "link/linker.h"
#include "store/store.h"
#include "telegram/update.h"

namespace tgate::webhook {

struct ProcessorOptions {
  std::string bot;
  std::string bot_username;  // for "/start@<username> <token>"
  std::string welcome_text;
  std::string invalid_link_text;
};

// Whom a pass that committed updates wakes (either may be empty):
// `on_replies` when it queued a reply (the dispatcher loads one-to-one
// messages), `on_committed` for the events the updates wrote (the events
// sender). Most updates are forwarded as events and queue nothing: waking the
// dispatcher for them cost it a store pass each.
struct ProcessorWakeUps {
  std::function<void()> on_replies;
  std::function<void()> on_committed;
};

class UpdateProcessor {
 public:
  // Pending updates taken, processed and committed together (group commit).
  static constexpr size_t kUpdatesPerTransaction = 100;

  // Takes the whole Store, not its roles: it reads the inbox and writes
  // bindings, the queue and the outbox, in one RunInTransaction per chunk of
  // up to kUpdatesPerTransaction updates (after a failure in it, again with
  // each update in a nested one, a savepoint), through the transaction's
  // Store (see store/transaction_runner.h); the Linker redeems through it
  // too.
  UpdateProcessor(asio::any_io_executor executor, store::Store& store, link::Linker& linker,
                  const Clock& clock, ProcessorOptions options, ProcessorWakeUps wake_ups);

  void Start();
  // New updates were stored.
  void Notify();
  // Ends the loop (as destroying the processor does).
  void Stop();

  // Processes every pending update now, setting aside the ones that cannot
  // be processed. For tests and the loop. Not OK only when the store failed
  // transiently (or could not set an update aside), or the processor was
  // stopped meanwhile: the update it stopped at stays pending, first in line
  // for the next call.
  Awaitable<Status> Drain() { return Drain(life_.token()); }

  // Processing on receipt (webhook/update_receiver.h): an update is acted on
  // in the transaction that stores it, so it costs no second transaction nor
  // a read-back, and its event leaves at once. The loop above remains for
  // what could not be processed so (and for long polling).
  //
  // Whether updates of this bot may be processed on receipt in `tx`: none
  // is pending (one stored before goes first, in update_id order; so does
  // one another instance stored and NOTIFYed here). Not OK when the store
  // failed.
  Awaitable<Result<bool>> MayProcessOnReceipt(store::Store& tx);
  // Stores `update`, just received, as processed and acts on it in `tx`, in
  // a savepoint of its own; true, or false for a duplicate (stored before:
  // nothing done). `replied` is set when it queued a reply. An error leaves
  // nothing of it in `tx`: the caller stores it pending, for the loop, which
  // retries it or sets it aside. Call only after MayProcessOnReceipt said
  // yes in `tx` (and no update of the bot was left pending since), and
  // ProcessedOnReceipt() once `tx` committed.
  Awaitable<Result<bool>> ProcessOnReceipt(store::Store& tx, const store::Update& update,
                                           const telegram::ParsedUpdate& parsed, bool& replied);
  // As ProcessOnReceipt without the savepoint, for an update the caller has
  // already stored processed in `tx` and found new (UpdateIntake stores a
  // batch's at once, store::InboxStore::InsertUpdates): acts on it. An error
  // may leave part of it in `tx`, which the caller must then roll back.
  Awaitable<Status> ActOnReceipt(store::Store& tx, const store::Update& update,
                                 const telegram::ParsedUpdate& parsed, bool& replied);
  // Updates processed on receipt committed: wakes the dispatcher (when one
  // queued a reply) and the events sender, as a pass of the loop does.
  void ProcessedOnReceipt(bool replied);

  // Updates this processor set aside since it was made (for /metrics).
  uint64_t set_aside() const { return set_aside_; }

 private:
  // Every coroutine below checks `life` after each store call and touches
  // nothing of the processor once it ended (core/lifetime.h): a store call
  // may suspend, and the processor be destroyed meanwhile. The ones given
  // `tx` run inside an update's transaction and make their calls through it.
  Awaitable<void> Loop(Lifetime::Token life);
  Awaitable<Status> Drain(Lifetime::Token life);
  Awaitable<Status> ProcessOne(Lifetime::Token life, store::Store& tx, const store::Update& update,
                               bool& enqueued);
  // `text` is the update's JSON, which `u` was parsed from.
  Awaitable<Status> ProcessParsed(Lifetime::Token life, store::Store& tx, const telegram::ParsedUpdate& u,
                                  std::string_view text, bool& enqueued);
  Awaitable<Status> HandleStart(Lifetime::Token life, store::Store& tx, const telegram::ParsedUpdate& u,
                                const std::string& payload, bool& enqueued);
  Awaitable<Status> HandleMemberChange(Lifetime::Token life, store::Store& tx,
                                       const telegram::ParsedUpdate& u, std::string_view text);
  Awaitable<Status> Forward(store::Store& tx, const telegram::ParsedUpdate& u, std::string_view text);
  Awaitable<Status> Reply(store::Store& tx, int64_t chat_id, const std::string& text);
  Awaitable<Status> Emit(store::Store& tx, boost::json::object event);
  int64_t NowMs() const;  // the wall clock, for events' timestamps

  asio::any_io_executor executor_;
  store::Store& store_;
  link::Linker& linker_;
  const Clock& clock_;
  ProcessorOptions options_;
  ProcessorWakeUps wake_ups_;
  uint64_t set_aside_ = 0;
  ThreadChecker io_thread_;
  Lifetime life_;
};

}  // namespace tgate::webhook
