// SqliteStore: the embedded Store backend, one SQLite connection in WAL mode.
// Every query is a cached prepared statement (compiled once, re-bound per
// call). Multi-statement methods run in a transaction that joins the caller's
// RunInTransaction as a SAVEPOINT.
// Storage notes: statuses are small ints (see migrations.cc); a broadcast's
// messages share the broadcast row's text instead of copying it a million
// times; a broadcast's sent/failed/cancelled counts live in its row and
// move in the same transaction as every status change of its messages
// (counting a million rows per progress read, or indexing status, cost more).
// Clock: the Store takes times from its arguments, except the columns it
// stamps itself (messages.created_at and updated_at on Enqueue/Complete/
// Cancel/Fail, updates.received_at, broadcasts.cancelled_at), which come from
// StoreOptions::clock: retention deletes by them, so tests set them too.
// (Retention also reads broadcasts.created_at and events.created_at, which
// are the now_ms given to CreateBroadcast and AddEvent, in seconds.)
// Threading: confined to one thread (the connection is opened NOMUTEX); the
// object owns the connection and closes it on destruction. Its role methods
// are coroutines that never suspend: a call completes inline when awaited.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <unordered_map>

#include "store/sqlite_checkpointer.h"
#include "store/sqlite_held_events.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_transaction.h"
#include "store/store.h"
#include "store/wal_limit.h"

namespace tgate::store {

class SqliteStore final : public Store {
 public:
  // Targets of a broadcast to "all" materialized with the request; the rest
  // are filled as the dispatcher needs them (FillBroadcasts). Small, so
  // creating a million-user broadcast holds the io thread only briefly.
  static constexpr size_t kFirstChunk = 2000;
  // Outcomes a broadcast's queued_from may lag behind: a load from the start
  // (after a restart) or a cancel reads that many more rows at most, besides
  // any held back behind the first still queued. Moving it reads each message
  // passed, and costs a statement: every 64 outcomes, not every batch of 6.
  static constexpr int64_t kQueuedFromStride = 64;
  // Ids after queued_from that moving it reads in the table itself before it
  // walks the broadcast's index (MoveQueuedFrom).
  static constexpr int64_t kQueuedFromWindow = 4 * kQueuedFromStride;

  // Opens (creating, 0600) options.path, sets WAL, synchronous ("normal" or
  // "full"), a 5 s busy wait (sqlite_busy_wait.h) and foreign keys, and migrates the schema.
  // Forbidden when the database or its -wal/-shm is open to group or others
  // (see db_files.h).
  static Result<std::unique_ptr<SqliteStore>> Open(const StoreOptions& options);
  ~SqliteStore() override;

  Awaitable<Status> RunInTransaction(const std::function<Awaitable<Status>(Store& tx)>& fn) override;

  Awaitable<Status> PutLinkToken(const LinkToken& token) override;
  Awaitable<Result<LinkToken>> TakeLinkToken(std::string_view token) override;

  Awaitable<Status> Bind(const Binding& binding) override;
  Awaitable<Result<Binding>> GetBinding(std::string_view bot, std::string_view user) override;
  Awaitable<Result<Binding>> GetBindingByChat(std::string_view bot, int64_t chat_id) override;
  Awaitable<Status> DeleteBinding(std::string_view bot, std::string_view user) override;
  Awaitable<Result<Binding>> Unlink(std::string_view bot, std::string_view user,
                                    const std::function<std::string(const Binding&)>& event,
                                    int64_t now_ms) override;
  Awaitable<Status> SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) override;
  Awaitable<Status> MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) override;
  Awaitable<Result<int64_t>> CountBindings(std::string_view bot, UserStatus status) override;

  Awaitable<Result<Enqueued>> Enqueue(const NewMessage& message) override;
  Awaitable<Result<std::vector<Result<Enqueued>>>> EnqueueMany(std::span<const NewMessage> messages) override;
  Awaitable<Result<int64_t>> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                                         std::string_view fingerprint) override;
  Awaitable<Result<Message>> GetMessage(int64_t id) override;
  Awaitable<Result<std::vector<Message>>> LoadQueued(std::string_view bot, Priority priority,
                                                     int64_t after_id, size_t limit) override;
  Awaitable<Result<std::vector<Message>>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                              int64_t after_id, int64_t due_by_ms,
                                                              size_t limit) override;
  Awaitable<Result<int64_t>> PendingMessages(std::string_view bot) override;
  Awaitable<Result<std::vector<Message>>> RecentFailures(std::string_view bot, size_t limit,
                                                         int64_t scan) override;
  Awaitable<Status> Complete(const std::vector<Completion>& completions) override;
  Awaitable<Status> WriteOutcomes(const std::vector<Completion>& completions,
                                  const std::vector<ClosedChat>& closed,
                                  const std::vector<std::string>& events, int64_t now_ms) override;
  Awaitable<Result<std::vector<GroupSend>>> RecentGroupSends(std::string_view bot, int64_t since_s) override;
  Awaitable<Result<int64_t>> LastMessageId() override;

  Awaitable<Result<Broadcast>> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) override;
  Awaitable<Result<int64_t>> FillBroadcasts(std::string_view bot, size_t max_rows) override;
  Awaitable<Result<std::vector<int64_t>>> ActiveBroadcasts(std::string_view bot) override;
  Awaitable<Result<Broadcast>> GetBroadcast(int64_t id) override;
  Awaitable<Result<Broadcast>> CancelBroadcast(int64_t id) override;

  Awaitable<Result<bool>> InsertUpdate(const Update& update) override;
  Awaitable<Result<std::vector<bool>>> InsertUpdates(std::span<const Update> updates) override;
  Awaitable<Result<std::vector<Update>>> PendingUpdates(std::string_view bot, size_t limit) override;
  Awaitable<Status> MarkUpdateProcessed(std::string_view bot, int64_t update_id) override;
  Awaitable<Status> SetUpdateAside(std::string_view bot, int64_t update_id, std::string_view reason) override;
  Awaitable<Result<int64_t>> CountSetAsideUpdates(std::string_view bot) override;
  Awaitable<Result<int64_t>> MaxUpdateId(std::string_view bot) override;

  Awaitable<Result<PruneResult>> PruneMessages(int64_t before, size_t max_rows) override;
  Awaitable<Result<PruneResult>> PruneUpdates(int64_t before, size_t max_rows) override;
  Awaitable<Result<PruneResult>> PruneBroadcasts(int64_t before, size_t max_rows) override;
  Awaitable<Result<PruneResult>> PruneEvents(int64_t before, size_t max_rows) override;
  Awaitable<Result<int64_t>> PruneLinkTokens(int64_t now) override;

  Awaitable<Status> AddEvent(std::string_view payload_json, int64_t now_ms) override;
  Awaitable<Status> AddChatEvent(std::string_view head, std::string_view bot, int64_t chat_id,
                                 std::string_view tail, int64_t now_ms) override;
  Awaitable<Result<std::vector<Event>>> DueEvents(int64_t now_ms, size_t limit) override;
  Awaitable<Status> EventsDelivered(const std::vector<int64_t>& ids) override;
  Awaitable<Status> EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) override;
  Awaitable<Result<int64_t>> NextEventDue() override;
  Awaitable<Result<OutboxBacklog>> Backlog() override;
  Awaitable<Status> ProbeWrite() override;

 private:
  SqliteStore(sqlite3* db, const Clock& clock);

  // Unix seconds for the columns the store stamps itself.
  int64_t NowSeconds() const { return clock_.UnixSeconds(); }

  Result<SqliteStatement> Prepare(std::string_view sql) { return cache_.Get(sql); }
  // InsertUpdate's statement, on this thread now (it never suspends).
  Result<bool> InsertUpdateNow(const Update& update);
  // Runs fn in a transaction (a savepoint when inside one already).
  Status Atomically(const std::function<Status()>& fn) { return transactions_.Run(fn); }
  // Materializes the next `max_rows` targets of broadcast `id` (none once it
  // is complete or cancelled); returns how many it made.
  Result<int64_t> FillChunk(int64_t id, size_t max_rows);
  // Rows EnqueueMany writes with one INSERT, at most. Such a statement keeps
  // a copy of each page it changes until it ends, in case it must be undone
  // (in memory: temp_store = MEMORY); 16 rows share the statement's own cost
  // (sqlite_sequence, cursors, the halt) while the copies stay about 100 KiB
  // (two pages a row where idempotency keys are random, as UUIDs are).
  static constexpr size_t kMaxRowsPerInsert = 16;
  // Enqueue's hot path for messages that each take it, in one statement
  // (inside a transaction): each one's id, or 0 where its row was skipped
  // (its user not linked or blocked, its idempotency key taken) and Enqueue
  // must say why.
  Result<std::vector<int64_t>> InsertRows(std::span<const NewMessage> messages);
  Result<int64_t> InsertBroadcastTargets(const NewBroadcast& broadcast, int64_t id, int64_t now_ms,
                                         std::vector<SkippedUser>* skipped);
  // The chat a message to `chat_id` goes to: the id MoveChat moved it to, if
  // it did (following chains), else chat_id itself.
  Result<int64_t> ResolveChat(std::string_view bot, int64_t chat_id);
  // GetBroadcast and CountBindings, for the callers inside a transaction's
  // (synchronous) function.
  Result<Broadcast> ReadBroadcast(int64_t id);
  Result<int64_t> ReadBindingCount(std::string_view bot, UserStatus status);
  // Moves broadcast `id`'s counts by the given numbers of messages, and its
  // queued_from once kQueuedFromStride more of them have their outcome.
  Status AddToBroadcastCounts(int64_t id, const BroadcastCounts& delta);
  // Moves broadcast `id`'s queued_from past the messages that have their
  // outcome (migrations.cc, Version 14).
  Status MoveQueuedFrom(int64_t id);
  // One batch of a retention pass that walks a table in key order from
  // *after (see sqlite_store_retention.cc); moves *after on.
  Result<PruneResult> PruneInKeyOrder(std::string_view walk_sql, std::string_view delete_sql, int64_t* after,
                                      int64_t before, size_t max_rows);

  sqlite3* db_;
  const Clock& clock_;
  StatementCache cache_;
  // Events added inside a transaction, written just before it commits;
  // declared before the transactions that write them.
  SqliteHeldEvents held_events_;
  SqliteTransactions transactions_;
  // PruneMessages' pass has looked at every message with id <= this (0: a
  // new pass starts at the oldest). Only a hint: after a restart, or a
  // rolled-back call, a pass looks again, and deletes what it missed.
  int64_t prune_messages_after_ = 0;
  // The same for PruneBroadcasts (running broadcasts stay behind its pass)
  // and PruneEvents.
  int64_t prune_broadcasts_after_ = 0;
  int64_t prune_events_after_ = 0;
  // Outcomes written since each running broadcast's queued_from last moved
  // (only those with some; a hint: lost on a restart, kept on a rollback).
  std::unordered_map<int64_t, int64_t> outcomes_since_queued_from_;
  static constexpr size_t kMaxCountedBroadcasts = 1024;
  std::unique_ptr<SqliteCheckpointer> checkpointer_;  // file databases only
  std::unique_ptr<WalLimit> wal_limit_;               // with the checkpointer only
};

}  // namespace tgate::store
