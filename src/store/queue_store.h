// QueueStore: the store's role for one-to-one messages — putting them in the
// durable queue, loading them to send, and writing their outcomes back. It is
// not the broadcasts (broadcast_store.h makes and pages those, though their
// messages share the queue and GetMessage/Complete see them) and not the
// sending: the dispatcher decides when and what.
// Every method is one unit of work: it commits before returning OK.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

class QueueStore {
 public:
  virtual ~QueueStore() = default;

  // Stores a queued message and returns its id. With an idempotency key
  // already used for this bot, stores nothing and returns the first message's
  // id with existed = true, or Unprocessable if the first was stored with
  // another idempotency_fingerprint (both non-empty): the key reused for a
  // different request. Two calls with one key make one message whatever their
  // timing (a unique index decides). A chat_id that MoveChat moved is stored as
  // the id it moved to (following a chain of moves to the last).
  virtual Awaitable<Result<Enqueued>> Enqueue(const NewMessage& message) = 0;
  // Enqueue for each of `messages`, in one transaction (group commit): one
  // result per message, each exactly what Enqueue would answer (a key
  // replayed or conflicting, within `messages` too, as with earlier calls).
  // A message refused on its own (invalid, a conflicting key) refuses only
  // itself; an error of the whole (the transaction failed) stores none.
  virtual Awaitable<Result<std::vector<Result<Enqueued>>>> EnqueueMany(
      std::span<const NewMessage> messages) = 0;
  // The id of the bot's message stored with idempotency key `key`, checked
  // as Enqueue checks it: NotFound if none (or pruned), Unprocessable if
  // stored with another fingerprint. Lets a retry be answered whatever has
  // changed since (the user blocked the bot, unlinked: see ReplayOrRefusal).
  virtual Awaitable<Result<int64_t>> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                                                 std::string_view fingerprint) = 0;
  virtual Awaitable<Result<Message>> GetMessage(int64_t id) = 0;
  // Queued messages of the bot and priority with id > after_id, by id, at most `limit`.
  // Every read of a message (these, GetMessage, a broadcast's) tells whether
  // its chat's user has blocked the bot (Message::chat_blocked).
  virtual Awaitable<Result<std::vector<Message>>> LoadQueued(std::string_view bot, Priority priority,
                                                             int64_t after_id, size_t limit) = 0;
  // Messages of the bot still to be sent: one-to-one messages queued, plus
  // every running broadcast's pending count (targets of a broadcast to "all"
  // not materialized yet included). Reads the queue index and the running
  // broadcasts' rows only, so it is cheap enough for every metrics scrape.
  virtual Awaitable<Result<int64_t>> PendingMessages(std::string_view bot) = 0;
  // Writes a batch of delivery outcomes in one transaction (inside a caller's
  // RunInTransaction, as part of it: a failure then fails the whole of it).
  virtual Awaitable<Status> Complete(const std::vector<Completion>& completions) = 0;
  // Complete(completions); for each of `closed`, LinkStore::SetChatStatus
  // (nobody bound to the chat is no error); and
  // AddEvent(e, now_ms) for each of `events`; in one transaction: the
  // outcomes, the chats they closed and the events they raise are written
  // together or not at all (then the caller still holds all and retries).
  virtual Awaitable<Status> WriteOutcomes(const std::vector<Completion>& completions,
                                          const std::vector<ClosedChat>& closed,
                                          const std::vector<std::string>& events, int64_t now_ms) = 0;
  // Messages of the bot that delivered at least one part to a group or
  // channel (negative chat id) and were last written at or after since_s
  // (Unix seconds), oldest first: what Telegram still counts against each
  // group's 60 s window when tgate restarts.
  virtual Awaitable<Result<std::vector<GroupSend>>> RecentGroupSends(std::string_view bot,
                                                                     int64_t since_s) = 0;
  // The highest message id so far, of any bot (0 if there is none): every
  // message queued after the call has a higher one.
  virtual Awaitable<Result<int64_t>> LastMessageId() = 0;
  // The bot's failed messages among the newest `scan` messages (of any bot),
  // newest first, at most `limit`: what the status page lists as the last
  // failures. Bounded by `scan` so it stays cheap on a large table.
  virtual Awaitable<Result<std::vector<Message>>> RecentFailures(std::string_view bot, size_t limit,
                                                                 int64_t scan) = 0;
};

}  // namespace tgate::store
