// PgStore: the PostgreSQL Store backend, for several tgate instances sharing
// one database (DESIGN.md "Scale-out"). Same roles, same semantics as
// SqliteStore (sqlite_store.h); the schema is pg_migrations.cc's.
//
// Units of work: every role method takes one pooled connection for one
// statement, one pipeline (one round trip, one implicit transaction) or one
// BEGIN ... COMMIT. A transaction's BEGIN goes with its first statement,
// and a write whose answer nobody waits for (a new event) goes with the
// next statement or the COMMIT, in one pipeline: round trips are what limit
// a batch on a server a network hop away. RunInTransaction pins one connection and hands `fn` a
// PgStore view bound to it: every call on the view uses that connection,
// inside that transaction (RunInTransaction on the view nests as a
// savepoint, as SqliteStore's does). There, as always in PostgreSQL, a
// statement's error aborts the whole transaction: RunInTransaction then
// rolls back and reports it even if `fn` returned OK.
//
// Across instances the database decides: unique indexes make idempotency
// keys, update dedupe and link tokens' single use hold whatever the timing
// (INSERT ... ON CONFLICT, DELETE ... RETURNING, never check-then-insert).
// A write that adds queued work (Enqueue, CreateBroadcast, FillBroadcasts)
// sends pg_notify(kQueueChannel, bot) in its transaction, so the bot's owner
// can wake (PostgreSQL delivers one per bot and transaction). New events
// notify kEventsChannel, a cancelled broadcast kCancelChannel, a new update
// kUpdatesChannel, each in the transaction that wrote it.
//
// Fencing: while a bot has a fence (SetFence), Complete and WriteOutcomes
// for its messages first run tgate_fence(bot, owner, epoch) in the same
// pipeline/transaction: an owner whose lease was taken over writes nothing
// (Conflict). The fences are this object's (and its views') state.
//
// Clock: as SqliteStore, the columns the store stamps itself come from
// StoreOptions::clock. Threading: one executor (the io thread), as the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/pool.h"
#include "store/pg_event_run.h"
#include "store/store.h"

namespace tgate::store {

class PgStore final : public Store {
 public:
  // The NOTIFY channel of new queued work; the payload is the bot's name.
  static constexpr const char* kQueueChannel = "tgate_queue";
  // The NOTIFY channel of received updates (InsertUpdate of a new one): the
  // bot's owner processes them even when another instance took the webhook.
  static constexpr const char* kUpdatesChannel = "tgate_updates";
  // The NOTIFY channel of new events in the outbox (AddEvent, WriteOutcomes
  // with events); no payload: one instance sends the events, wherever they
  // were written.
  static constexpr const char* kEventsChannel = "tgate_events";
  // The NOTIFY channel of cancelled broadcasts; the payload is the
  // broadcast's id: its bot's owner drops what it holds of it in memory.
  static constexpr const char* kCancelChannel = "tgate_cancel";
  // As SqliteStore::kFirstChunk: targets of a broadcast to "all" made with it.
  static constexpr size_t kFirstChunk = 2000;

  // A store over a pool of options.pool_size connections to `conninfo`. The
  // schema must be migrated already (OpenStore does it, open_store.h).
  PgStore(asio::any_io_executor executor, std::string conninfo, const StoreOptions& options);
  ~PgStore() override;

  // While set, Complete/WriteOutcomes touching the bot's messages write only
  // if bot_leases still says `owner` holds the bot at `epoch`.
  void SetFence(std::string bot, std::string owner, int64_t epoch);
  void ClearFence(const std::string& bot);

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
  Awaitable<Result<std::vector<Message>>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                              int64_t after_id, int64_t due_by_ms,
                                                              size_t limit) override;
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
  struct Fence {
    std::string owner;
    int64_t epoch = 0;
  };
  // What the store and its transaction views share.
  struct Shared {
    Shared(asio::any_io_executor executor, std::string conninfo, size_t pool_size, const Clock& clock)
        : pool(std::move(executor), std::move(conninfo), pool_size), clock(clock) {}
    pg::Pool pool;
    const Clock& clock;
    std::map<std::string, Fence, std::less<>> fences;
    // Where each retention pass stands (as SqliteStore's; per instance, a
    // hint only: a pass that starts over finds what it missed).
    int64_t prune_messages_after = 0;
    int64_t prune_broadcasts_after = 0;
    int64_t prune_events_after = 0;
  };

  // A view bound to `tx`, a connection inside BEGIN.
  PgStore(std::shared_ptr<Shared> shared, pg::Connection* tx) : shared_(std::move(shared)), tx_(tx) {}

  int64_t NowSeconds() const { return shared_->clock.UnixSeconds(); }

  // One statement on the unit of work's connection (the transaction's, or a
  // pooled one). SQLSTATE TG001 (a fence) becomes Conflict.
  Awaitable<Result<pg::Rows>> Exec(std::string_view sql, pg::Params params = {});
  // Statements in one pipeline: one round trip, one transaction (or part of
  // the view's).
  Awaitable<Result<std::vector<pg::Rows>>> ExecPipeline(std::vector<pg::Statement> statements);
  // Runs fn with a view bound to one transaction: this view itself, or a
  // pooled connection between BEGIN and COMMIT (ROLLBACK unless fn is OK).
  Awaitable<Status> Atomically(const std::function<Awaitable<Status>(PgStore& tx)>& fn);
  // Notes an error of a statement run in the view's transaction.
  Status Failed(const pg::Connection& conn, Status s);

  // EnqueueMany's run of messages addressed by their bindings, in one
  // statement: each message's id, or 0 where Enqueue must say why.
  Awaitable<Result<std::vector<int64_t>>> InsertRun(std::span<const NewMessage> messages);
  // The statements Complete runs: the fences of fenced bots among the
  // messages, then one update per completion.
  std::vector<pg::Statement> CompleteStatements(const std::vector<Completion>& completions) const;
  Awaitable<Result<int64_t>> FillChunk(int64_t id, size_t max_rows);
  Awaitable<Result<PruneResult>> PruneInKeyOrder(std::string_view walk_sql, std::string_view delete_sql,
                                                 int64_t* after, int64_t before, size_t max_rows);

  // In a transaction's view, the event goes with the view's next statement
  // (or its COMMIT), in one pipeline, written with the events added next to
  // it by one statement (pg_event_run.h). Its error, if any, is then that
  // statement's, and fails the transaction as any statement's would.
  // Outside a transaction, written at once.
  Awaitable<Status> DeferEvent(PgEventRow event);
  // What was deferred, as statements to send (each run of events one), and
  // nothing deferred any more.
  std::vector<pg::Statement> TakeDeferred();
  // The deferred statements, then `statements`, in one pipeline on tx_.
  Awaitable<Result<std::vector<pg::Rows>>> SendWithDeferred(std::vector<pg::Statement> statements);

  std::shared_ptr<Shared> shared_;
  pg::Connection* tx_ = nullptr;  // set in a transaction's view
  bool tx_failed_ = false;        // a statement failed in tx_'s transaction
  // What is not yet sent, and goes before the view's next statement: BEGIN
  // (a transaction starts with its first statement, one round trip fewer),
  // savepoints, and DeferEvent's events.
  struct Deferred {
    pg::Statement statement;  // unless an event
    std::optional<PgEventRow> event;
    static Deferred Sql(std::string sql);  // a statement without parameters
  };
  std::vector<Deferred> deferred_;
  uint64_t sends_ = 0;  // round trips on tx_ so far: whether a savepoint was sent
};

}  // namespace tgate::store
