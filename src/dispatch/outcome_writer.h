// OutcomeWriter: writes what became of the Dispatcher's messages back to the
// Store in batches: the completions (sent, failed, or queued again with
// progress: parts sent, attempts, not_before) and the events for the site's
// outbox (message.sent, message.failed, user.blocked), together in one
// transaction every flush_interval, at the Dispatcher loop's next pass past
// kFlushAtOnce completions, or when the Dispatcher asks (Flush). A failed
// write keeps everything in memory and is tried again a second later: the
// messages stay queued in the Store meanwhile.
// It also holds back the groups (negative chat ids) whose send was answered
// while their outcome waits to be written: such a chat is released to the
// Scheduler only after the flush, so a kill -9 leaves at most one of each
// group's sends unrecorded (restart_guard.h counts that one).
// Not the decision of what the outcome is (answer_handler.h) and not the
// statistics (fate.h).
// Not thread-safe: confined to the Dispatcher's thread. The Store, Clock and
// Scheduler must outlive it.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "core/clock.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/scheduler.h"
#include "store/queue_store.h"

namespace tgate::dispatch {

struct OutcomeWriterOptions {
  std::string bot = "default";                   // stamped on every event
  std::chrono::milliseconds flush_interval{40};  // completion batch period (DispatcherOptions)
  // Called after events were written to the outbox (wakes the events sender).
  std::function<void()> on_events;
};

class OutcomeWriter {
 public:
  OutcomeWriter(store::QueueStore& store, const Clock& clock, Scheduler& scheduler,
                OutcomeWriterOptions options);
  OutcomeWriter(const OutcomeWriter&) = delete;
  OutcomeWriter& operator=(const OutcomeWriter&) = delete;

  // `m`, sent as `job`, is finished with `status` (kSent or kFailed, with
  // `error`): its completion is batched and, for a one-to-one message, its
  // message.sent / message.failed event. Past kFlushAtOnce completions the
  // flush is due at once (flush_due), unless the last write failed (its
  // retry keeps its time): the Dispatcher's loop starts it at its next pass.
  // Nothing here waits, so an answer is settled without suspending the send
  // that got it.
  void Finish(const Job& job, const Loaded& m, store::MessageStatus status, const std::string& error);
  // `m` stays queued: its attempts and parts sent so far are batched, with
  // the wall time (ms) it may not be sent before (0: any time).
  void Progress(const Job& job, const Loaded& m, int64_t not_before_ms);
  // Batches an event for the outbox (the bot is added).
  void Emit(boost::json::object event);
  // The chat's user blocked the bot or is deactivated: whoever is bound to
  // it gets `status` in the next flush, with the outcomes batched
  // (store::ClosedChat). What is still queued to it in the store fails as
  // it is loaded (store::Message::chat_blocked); the caller drops what is
  // held in memory.
  void CloseChat(int64_t chat_id, store::UserStatus status);
  // Whether the chat is closed in a batch not written yet.
  bool Closing(int64_t chat_id) const;

  // The chat's send is answered: releases it to the Scheduler now, or, for a
  // group with outcomes waiting, after the flush (due at once).
  void ChatDone(int64_t chat_id, SteadyTime now);
  // Writes every batched completion, closed chat and event in one transaction, then
  // releases the groups waiting for it. On failure keeps them all and sets
  // the next try a second later. What is batched while the write is under
  // way (the store may suspend) waits for the next flush; a Flush called
  // meanwhile returns at once (one write at a time keeps them in order).
  Awaitable<void> Flush();

  // Whether completions wait to be written, and when they are due. (Events
  // alone wait for the next completion or an explicit Flush.)
  bool has_completions() const { return !completions_.empty(); }
  // Whether the Dispatcher is to start no new send at `now`: each send made
  // now would be one more the store does not know was sent (a next owner,
  // or a restart, sends it again). So while the last write failed and what
  // it held still waits, or while a write has been under way longer than
  // kSlowWrite (the database cut off without a word: the write hangs until
  // the connection is given up) or with a full batch waiting behind it.
  bool HoldsSends(SteadyTime now) const;
  bool failing() const { return failing_; }
  // A write is under way (the store suspended in it): a Flush now returns
  // at once, and what is batched meanwhile waits for the next one.
  bool flushing() const { return flushing_; }
  SteadyTime flush_due() const { return flush_due_; }

 private:
  void Batch(store::Completion c);
  void ReleaseChatsAfterFlush();

  store::QueueStore& store_;
  const Clock& clock_;
  Scheduler& scheduler_;
  const OutcomeWriterOptions options_;
  std::vector<store::Completion> completions_;
  std::vector<store::ClosedChat> closed_;
  std::vector<std::string> events_;        // serialized, bot stamped
  std::vector<int64_t> done_after_flush_;  // group chats whose next send waits for the flush
  SteadyTime flush_due_{};
  bool flushing_ = false;  // a write is under way
  SteadyTime flush_started_{};
  bool failing_ = false;
};

}  // namespace tgate::dispatch
