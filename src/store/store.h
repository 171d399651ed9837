// Store: the storage interface of tgate — everything that must survive a
// kill -9. SQLite (sqlite_store.h) is the embedded default; a PostgreSQL
// backend implements the same interface for scale-out.
// Every method commits before returning OK (durable, per the backend's
// synchronous setting). Methods are synchronous and cheap; the SQLite backend
// is confined to one thread (the io_context thread) — callers must not use one
// Store from two threads. RunInTransaction groups calls atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

struct StoreOptions {
  // SQLite file path, or ":memory:" for tests.
  std::string path = "tgate.db";
  // "normal": survives a process crash (kill -9); "full": also a power loss.
  std::string synchronous = "normal";
  // Stamps the time columns the store writes itself (messages.created_at and
  // updated_at, updates.received_at, ...), which retention decides on. Must
  // outlive the store. nullptr: the system clock.
  const Clock* clock = nullptr;
  // A file database's WAL is emptied by the background checkpointer once a
  // commit leaves more than this in it, and by the writer itself past twice
  // this (see wal_limit.h). 16 MiB: twice that is half the 64 MiB the WAL is
  // promised to stay under, leaving room for the commits made while a
  // checkpoint waits. 0: no limit (passive checkpoints only).
  int64_t wal_limit_bytes = int64_t{16} << 20;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if missing) and migrates the schema to the latest version.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Runs `fn` in one transaction: commits if it returns OK, rolls back
  // otherwise. Calls made inside join the transaction. Not re-entrant across
  // threads.
  virtual Status RunInTransaction(const std::function<Status()>& fn) = 0;

  // --- link tokens
  // Only a digest (SHA-256) of token.token is kept: a copy of the database
  // holds no token that could be redeemed.
  virtual Status PutLinkToken(const LinkToken& token) = 0;
  // Removes and returns the token (single use). NotFound if unknown or used.
  // Expiry is the caller's check (the token is consumed either way).
  virtual Result<LinkToken> TakeLinkToken(std::string_view token) = 0;
  // Deletes tokens with expires_at < now. Returns how many.
  virtual Result<int64_t> PruneLinkTokens(int64_t now) = 0;

  // --- bindings
  // Binds user <-> chat for the bot, replacing the user's previous chat and
  // removing any other user's binding of the same chat. Status becomes active.
  virtual Status Bind(const Binding& binding) = 0;
  virtual Result<Binding> GetBinding(std::string_view bot, std::string_view user) = 0;
  virtual Result<Binding> GetBindingByChat(std::string_view bot, int64_t chat_id) = 0;
  // NotFound if the user has no binding.
  virtual Status DeleteBinding(std::string_view bot, std::string_view user) = 0;
  // Sets the status of whoever is bound to chat_id. NotFound if nobody is.
  virtual Status SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) = 0;
  // A group was upgraded: moves the binding and every queued message of the bot
  // from old_chat to new_chat, and remembers the move: a message enqueued to
  // old_chat later goes to new_chat (see Enqueue).
  virtual Status MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) = 0;
  virtual Result<int64_t> CountBindings(std::string_view bot, UserStatus status) = 0;

  // --- message queue
  // Stores a queued message and returns its id. With an idempotency key already
  // used for this bot, stores nothing and returns the first message's id with
  // *existed = true, or Unprocessable if the first was stored with another
  // idempotency_fingerprint (both non-empty): the key reused for a different
  // request. Two calls with one key make one message whatever their timing
  // (a unique index decides). A chat_id that MoveChat moved is stored as the id it moved
  // to (following a chain of moves to the last).
  virtual Result<int64_t> Enqueue(const NewMessage& message, bool* existed) = 0;
  // The id of the bot's message stored with idempotency key `key`, checked
  // as Enqueue checks it: NotFound if none (or pruned), Unprocessable if
  // stored with another fingerprint. Lets a retry be answered before anything
  // that may have changed since (the user blocked the bot, unlinked) is read.
  virtual Result<int64_t> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                                      std::string_view fingerprint) = 0;
  virtual Result<Message> GetMessage(int64_t id) = 0;
  // Queued messages of the bot and priority with id > after_id, by id, at most `limit`.
  virtual Result<std::vector<Message>> LoadQueued(std::string_view bot, Priority priority, int64_t after_id,
                                                  size_t limit) = 0;
  // Queued messages of one broadcast with id > after_id, in id order (within a
  // broadcast that is the order they fall due), at most `limit`, ending before
  // the first one never tried that is not due by due_by_ms (wall clock ms). A
  // retry waiting out its backoff past due_by_ms is included, not an end.
  virtual Result<std::vector<Message>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                           int64_t after_id, int64_t due_by_ms,
                                                           size_t limit) = 0;
  // Messages of the bot still to be sent: one-to-one messages queued, plus
  // every running broadcast's pending count (targets of a broadcast to "all"
  // not materialized yet included). Reads the queue index and the running
  // broadcasts' rows only, so it is cheap enough for every metrics scrape.
  virtual Result<int64_t> PendingMessages(std::string_view bot) = 0;
  // Writes a batch of delivery outcomes in one transaction (inside a caller's
  // transaction, as part of it: a failure then fails the whole of it).
  virtual Status Complete(const std::vector<Completion>& completions) = 0;
  // Messages of the bot that delivered at least one part to a group or
  // channel (negative chat id) and were last written at or after since_s
  // (Unix seconds), oldest first: what Telegram still counts against each
  // group's 60 s window when tgate restarts.
  virtual Result<std::vector<GroupSend>> RecentGroupSends(std::string_view bot, int64_t since_s) = 0;
  // The highest message id so far, of any bot (0 if there is none): every
  // message queued after the call has a higher one.
  virtual Result<int64_t> LastMessageId() = 0;
  // Fails every queued message to the chat with `reason`. Returns their ids.
  virtual Result<std::vector<int64_t>> FailQueuedForChat(std::string_view bot, int64_t chat_id,
                                                         std::string_view reason) = 0;

  // --- broadcasts
  // Creates the broadcast and one queued message per target chat (ordered by
  // chat id, not_before spread evenly over spread_seconds from now_ms). A user
  // list is materialized at once; "all" only up to a first chunk, the rest by
  // FillBroadcasts as the dispatcher needs it (targets are the bot's active
  // bindings, in chat id order, as they are when filled).
  // With an idempotency key already used for a broadcast of this bot, makes
  // nothing and returns that broadcast as GetBroadcast does, or Unprocessable
  // if it was made with another idempotency_fingerprint (as Enqueue).
  virtual Result<Broadcast> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) = 0;
  // Materializes up to `max_rows` more messages of the bot's unfilled
  // broadcast with the fewest materialized messages left to send (ties: the
  // oldest), if it has fewer than `max_rows` left; returns how many it made
  // (0: nothing needed filling yet).
  virtual Result<int64_t> FillBroadcasts(std::string_view bot, size_t max_rows) = 0;
  // The bot's running broadcasts that have materialized messages left to
  // send, oldest first.
  virtual Result<std::vector<int64_t>> ActiveBroadcasts(std::string_view bot) = 0;
  // Counts by status. NotFound if unknown (or pruned, see PruneBroadcasts).
  virtual Result<Broadcast> GetBroadcast(int64_t id) = 0;
  // Cancels its queued messages; returns the counts after.
  virtual Result<Broadcast> CancelBroadcast(int64_t id) = 0;

  // --- received updates (durable ack + dedupe)
  // Stores the update; returns false (and stores nothing) if this bot's
  // update_id was already received.
  virtual Result<bool> InsertUpdate(const Update& update) = 0;
  // Received but neither processed nor set aside, by update_id.
  virtual Result<std::vector<Update>> PendingUpdates(std::string_view bot, size_t limit) = 0;
  virtual Status MarkUpdateProcessed(std::string_view bot, int64_t update_id) = 0;
  // An update that cannot be processed: kept, with the reason, but no longer
  // pending (so it blocks none behind it). Retention deletes it like a
  // processed one. NotFound unless the update is pending.
  virtual Status SetUpdateAside(std::string_view bot, int64_t update_id, std::string_view reason) = 0;
  // How many of the bot's stored updates are set aside (cheap: its own index).
  virtual Result<int64_t> CountSetAsideUpdates(std::string_view bot) = 0;
  // Highest update_id ever received for the bot, or 0 (for getUpdates offsets).
  virtual Result<int64_t> MaxUpdateId(std::string_view bot) = 0;

  // --- retention (the caller decides when and how old; see app/pruner.h)
  // Deletes finished messages (sent, failed, cancelled) created and last
  // updated before `before` (Unix seconds). Queued messages are never
  // deleted, whatever their age. Looks at no more than `max_rows` messages,
  // in one short transaction; repeated calls continue where the last one
  // stopped until a result says done. A broadcast keeps its counts; a pruned
  // message is NotFound to GetMessage, and its idempotency key is free again.
  virtual Result<PruneResult> PruneMessages(int64_t before, size_t max_rows) = 0;
  // Deletes processed and set-aside updates received before `before` (Unix
  // seconds), except each bot's newest (MaxUpdateId must not go back).
  // Pending updates are never deleted. Looks at no more than `max_rows` updates per call.
  // Updates are kept so that Telegram's late duplicates are still dropped:
  // `before` should be at least a day ago (Telegram keeps an unconfirmed
  // update for at most 24 hours).
  virtual Result<PruneResult> PruneUpdates(int64_t before, size_t max_rows) = 0;
  // Deletes finished broadcasts created before `before` (Unix seconds) that
  // have no message left (PruneMessages takes those first) and, if
  // cancelled, were cancelled before it too. A broadcast to "all" not yet
  // fully materialized is never deleted. A pruned broadcast is NotFound to
  // GetBroadcast and CancelBroadcast. Looks at no more than `max_rows`
  // broadcasts per call; repeated calls continue until a result says done.
  virtual Result<PruneResult> PruneBroadcasts(int64_t before, size_t max_rows) = 0;
  // Deletes events created before `before` (Unix seconds). Every event in
  // the outbox is undelivered (a delivered one is deleted at once): these are
  // the ones no events_url took in time (none configured, or the site never
  // answered 2xx), dropped unsent. Looks at no more than `max_rows` events
  // per call; repeated calls continue until a result says done.
  virtual Result<PruneResult> PruneEvents(int64_t before, size_t max_rows) = 0;

  // --- events outbox (kept until delivered, or until PruneEvents drops it)
  virtual Status AddEvent(std::string_view payload_json, int64_t now_ms) = 0;
  // Events with next_attempt_ms <= now_ms, oldest first.
  virtual Result<std::vector<Event>> DueEvents(int64_t now_ms, size_t limit) = 0;
  virtual Status EventDelivered(int64_t id) = 0;
  virtual Status EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) = 0;
  // Soonest next_attempt_ms of any pending event, or 0 if none.
  virtual Result<int64_t> NextEventDue() = 0;
};

std::string_view ToString(MessageStatus status);
std::string_view ToString(UserStatus status);

}  // namespace tgate::store
