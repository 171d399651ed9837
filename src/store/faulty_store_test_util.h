// FaultyStore: a Store for tests that forwards every call to a real one,
// except the faults a test scripted, as a busy or broken database would give
// them (in the spirit of leveldb's fault-injection Env):
//   - FailNext(method, status, n): the next n calls of that method return
//     `status` without reaching the real store;
//   - SuspendCalls(executor): every call first yields to the executor, as a
//     PostgreSQL store's calls suspend on their socket: other coroutines run
//     before it completes (SQLite's never suspend);
//   - DelayCalls(clock, d[, method]): every call (of `method` only, if
//     named) first waits `d` on `clock`, as a round trip to a remote
//     database takes time (on a fake clock in tests);
//   - FailNextCommits(status, n): the next n commits fail, whatever writes
//     them. A write called on its own commits by itself: it returns `status`
//     and writes nothing. Inside RunInTransaction, writes commit together at
//     its end: the transaction runs, then rolls back whole and returns
//     `status`, as a failed COMMIT does. Reads, and transactions that wrote
//     nothing, commit nothing and never fail this way.
// It implements every role of the Store, so a test hands it to a component
// wherever the real store would go. Test-only (never linked into tgate); not
// thread-safe, like the Store. When a role gains a method, add its
// forwarder here (as a Read or a Write).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/awaitable.h"
#include "core/clock.h"
#include "store/store.h"

namespace tgate::store::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}

  // The next `times` calls of `method` (its name, e.g. "AddEvent") return
  // `status` instead of running.
  void FailNext(const std::string& method, Status status, int times = 1) {
    for (int i = 0; i < times; ++i) faults_[method].push_back(status);
  }
  // The next `times` commits return `status` and leave the store as it was
  // before them (see the top of this file).
  void FailNextCommits(Status status, int times = 1) {
    for (int i = 0; i < times; ++i) commit_faults_.push_back(status);
  }
  // From now on every call first yields to `executor` (see the top).
  void SuspendCalls(asio::any_io_executor executor) { suspend_ = std::move(executor); }
  // From now on every call (of `method`, if not empty) first waits `delay`
  // on `clock` (see the top).
  void DelayCalls(const Clock& clock, std::chrono::milliseconds delay, std::string method = "") {
    delay_clock_ = &clock;
    delay_ = delay;
    delay_method_ = std::move(method);
  }
  // Calls of `method` so far, failed ones included.
  int calls(const std::string& method) const {
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }
  // Commits tried so far, failed ones included.
  int commits() const { return commits_; }

  // TransactionRunner
  // fn is given a FaultyStore over the inner store's `tx`, scripted by this
  // one, so its calls fail as scripted and count as this store's.
  Awaitable<Status> RunInTransaction(const std::function<Awaitable<Status>(Store& tx)>& fn) override {
    if (Status f = Fault("RunInTransaction"); !f.ok()) co_return f;
    FaultyStore& root = *root_;
    const bool outermost = root.depth_ == 0;
    if (outermost) root.wrote_ = false;
    ++root.depth_;
    Status s = co_await inner_.RunInTransaction([&](Store& tx) -> Awaitable<Status> {
      FaultyStore faulty_tx(tx, root);
      Status st = co_await fn(faulty_tx);
      if (!st.ok()) co_return st;
      if (!outermost || !root.wrote_) co_return Status::Ok();
      co_return root.Commit();  // not OK: the inner store rolls the whole of it back
    });
    --root.depth_;
    co_return s;
  }

  // LinkStore
  Awaitable<Status> PutLinkToken(const LinkToken& token) override {
    co_return co_await Write("PutLinkToken", [&] { return inner_.PutLinkToken(token); });
  }
  Awaitable<Result<LinkToken>> TakeLinkToken(std::string_view token) override {
    co_return co_await Write("TakeLinkToken", [&] { return inner_.TakeLinkToken(token); });
  }
  Awaitable<Status> Bind(const Binding& binding) override {
    co_return co_await Write("Bind", [&] { return inner_.Bind(binding); });
  }
  Awaitable<Result<Binding>> GetBinding(std::string_view bot, std::string_view user) override {
    co_return co_await Read("GetBinding", [&] { return inner_.GetBinding(bot, user); });
  }
  Awaitable<Result<Binding>> GetBindingByChat(std::string_view bot, int64_t chat_id) override {
    co_return co_await Read("GetBindingByChat", [&] { return inner_.GetBindingByChat(bot, chat_id); });
  }
  Awaitable<Status> DeleteBinding(std::string_view bot, std::string_view user) override {
    co_return co_await Write("DeleteBinding", [&] { return inner_.DeleteBinding(bot, user); });
  }
  Awaitable<Result<Binding>> Unlink(std::string_view bot, std::string_view user,
                                    const std::function<std::string(const Binding&)>& event,
                                    int64_t now_ms) override {
    co_return co_await Write("Unlink", [&] { return inner_.Unlink(bot, user, event, now_ms); });
  }
  Awaitable<Status> SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) override {
    co_return co_await Write("SetChatStatus", [&] { return inner_.SetChatStatus(bot, chat_id, status); });
  }
  Awaitable<Status> MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) override {
    co_return co_await Write("MoveChat", [&] { return inner_.MoveChat(bot, old_chat, new_chat); });
  }
  Awaitable<Result<int64_t>> CountBindings(std::string_view bot, UserStatus status) override {
    co_return co_await Read("CountBindings", [&] { return inner_.CountBindings(bot, status); });
  }

  // QueueStore
  Awaitable<Result<Enqueued>> Enqueue(const NewMessage& message) override {
    co_return co_await Write("Enqueue", [&] { return inner_.Enqueue(message); });
  }
  Awaitable<Result<std::vector<Result<Enqueued>>>> EnqueueMany(
      std::span<const NewMessage> messages) override {
    co_return co_await Write("EnqueueMany", [&] { return inner_.EnqueueMany(messages); });
  }
  Awaitable<Result<int64_t>> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                                         std::string_view fingerprint) override {
    co_return co_await Read("FindMessageByIdempotencyKey",
                            [&] { return inner_.FindMessageByIdempotencyKey(bot, key, fingerprint); });
  }
  Awaitable<Result<Message>> GetMessage(int64_t id) override {
    co_return co_await Read("GetMessage", [&] { return inner_.GetMessage(id); });
  }
  Awaitable<Result<std::vector<Message>>> LoadQueued(std::string_view bot, Priority priority,
                                                     int64_t after_id, size_t limit) override {
    co_return co_await Read("LoadQueued", [&] { return inner_.LoadQueued(bot, priority, after_id, limit); });
  }
  Awaitable<Result<std::vector<Message>>> RecentFailures(std::string_view bot, size_t limit,
                                                         int64_t scan) override {
    co_return co_await Read("RecentFailures", [&] { return inner_.RecentFailures(bot, limit, scan); });
  }
  Awaitable<Result<int64_t>> PendingMessages(std::string_view bot) override {
    co_return co_await Read("PendingMessages", [&] { return inner_.PendingMessages(bot); });
  }
  Awaitable<Status> Complete(const std::vector<Completion>& completions) override {
    co_return co_await Write("Complete", [&] { return inner_.Complete(completions); });
  }
  Awaitable<Status> WriteOutcomes(const std::vector<Completion>& completions,
                                  const std::vector<ClosedChat>& closed,
                                  const std::vector<std::string>& events, int64_t now_ms) override {
    co_return co_await Write("WriteOutcomes",
                             [&] { return inner_.WriteOutcomes(completions, closed, events, now_ms); });
  }
  Awaitable<Result<std::vector<GroupSend>>> RecentGroupSends(std::string_view bot, int64_t since_s) override {
    co_return co_await Read("RecentGroupSends", [&] { return inner_.RecentGroupSends(bot, since_s); });
  }
  Awaitable<Result<int64_t>> LastMessageId() override {
    co_return co_await Read("LastMessageId", [&] { return inner_.LastMessageId(); });
  }

  // BroadcastStore
  Awaitable<Result<Broadcast>> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) override {
    co_return co_await Write("CreateBroadcast", [&] { return inner_.CreateBroadcast(broadcast, now_ms); });
  }
  Awaitable<Result<int64_t>> FillBroadcasts(std::string_view bot, size_t max_rows) override {
    co_return co_await Write("FillBroadcasts", [&] { return inner_.FillBroadcasts(bot, max_rows); });
  }
  Awaitable<Result<std::vector<int64_t>>> ActiveBroadcasts(std::string_view bot) override {
    co_return co_await Read("ActiveBroadcasts", [&] { return inner_.ActiveBroadcasts(bot); });
  }
  Awaitable<Result<std::vector<Message>>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                              int64_t after_id, int64_t due_by_ms,
                                                              size_t limit) override {
    co_return co_await Read("LoadBroadcastQueued", [&] {
      return inner_.LoadBroadcastQueued(bot, broadcast_id, after_id, due_by_ms, limit);
    });
  }
  Awaitable<Result<Broadcast>> GetBroadcast(int64_t id) override {
    co_return co_await Read("GetBroadcast", [&] { return inner_.GetBroadcast(id); });
  }
  Awaitable<Result<Broadcast>> CancelBroadcast(int64_t id) override {
    co_return co_await Write("CancelBroadcast", [&] { return inner_.CancelBroadcast(id); });
  }

  // InboxStore
  Awaitable<Result<bool>> InsertUpdate(const Update& update) override {
    co_return co_await Write("InsertUpdate", [&] { return inner_.InsertUpdate(update); });
  }
  Awaitable<Result<std::vector<bool>>> InsertUpdates(std::span<const Update> updates) override {
    co_return co_await Write("InsertUpdates", [&] { return inner_.InsertUpdates(updates); });
  }
  Awaitable<Result<std::vector<Update>>> PendingUpdates(std::string_view bot, size_t limit) override {
    co_return co_await Read("PendingUpdates", [&] { return inner_.PendingUpdates(bot, limit); });
  }
  Awaitable<Status> MarkUpdateProcessed(std::string_view bot, int64_t update_id) override {
    co_return co_await Write("MarkUpdateProcessed",
                             [&] { return inner_.MarkUpdateProcessed(bot, update_id); });
  }
  Awaitable<Status> SetUpdateAside(std::string_view bot, int64_t update_id,
                                   std::string_view reason) override {
    co_return co_await Write("SetUpdateAside", [&] { return inner_.SetUpdateAside(bot, update_id, reason); });
  }
  Awaitable<Result<int64_t>> CountSetAsideUpdates(std::string_view bot) override {
    co_return co_await Read("CountSetAsideUpdates", [&] { return inner_.CountSetAsideUpdates(bot); });
  }
  Awaitable<Result<int64_t>> MaxUpdateId(std::string_view bot) override {
    co_return co_await Read("MaxUpdateId", [&] { return inner_.MaxUpdateId(bot); });
  }

  // OutboxStore
  Awaitable<Status> AddEvent(std::string_view payload_json, int64_t now_ms) override {
    co_return co_await Write("AddEvent", [&] { return inner_.AddEvent(payload_json, now_ms); });
  }
  Awaitable<Status> AddChatEvent(std::string_view head, std::string_view bot, int64_t chat_id,
                                 std::string_view tail, int64_t now_ms) override {
    // An event's write, as AddEvent's: a test failing "AddEvent" fails
    // every way an event is added, in the order they come.
    co_return co_await Write("AddEvent",
                             [&] { return inner_.AddChatEvent(head, bot, chat_id, tail, now_ms); });
  }
  Awaitable<Result<std::vector<Event>>> DueEvents(int64_t now_ms, size_t limit) override {
    co_return co_await Read("DueEvents", [&] { return inner_.DueEvents(now_ms, limit); });
  }
  Awaitable<Status> EventsDelivered(const std::vector<int64_t>& ids) override {
    co_return co_await Write("EventsDelivered", [&] { return inner_.EventsDelivered(ids); });
  }
  Awaitable<Status> EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) override {
    co_return co_await Write("EventRetry", [&] { return inner_.EventRetry(id, attempts, next_attempt_ms); });
  }
  Awaitable<Result<int64_t>> NextEventDue() override {
    co_return co_await Read("NextEventDue", [&] { return inner_.NextEventDue(); });
  }
  Awaitable<Result<OutboxBacklog>> Backlog() override {
    co_return co_await Read("Backlog", [&] { return inner_.Backlog(); });
  }
  Awaitable<Status> ProbeWrite() override {
    co_return co_await Write("ProbeWrite", [&] { return inner_.ProbeWrite(); });
  }

  // RetentionStore
  Awaitable<Result<PruneResult>> PruneMessages(int64_t before, size_t max_rows) override {
    co_return co_await Write("PruneMessages", [&] { return inner_.PruneMessages(before, max_rows); });
  }
  Awaitable<Result<PruneResult>> PruneUpdates(int64_t before, size_t max_rows) override {
    co_return co_await Write("PruneUpdates", [&] { return inner_.PruneUpdates(before, max_rows); });
  }
  Awaitable<Result<PruneResult>> PruneBroadcasts(int64_t before, size_t max_rows) override {
    co_return co_await Write("PruneBroadcasts", [&] { return inner_.PruneBroadcasts(before, max_rows); });
  }
  Awaitable<Result<PruneResult>> PruneEvents(int64_t before, size_t max_rows) override {
    co_return co_await Write("PruneEvents", [&] { return inner_.PruneEvents(before, max_rows); });
  }
  Awaitable<Result<int64_t>> PruneLinkTokens(int64_t now) override {
    co_return co_await Write("PruneLinkTokens", [&] { return inner_.PruneLinkTokens(now); });
  }

 private:
  // A view over a transaction's Store whose script and counts are `root`'s.
  FaultyStore(Store& inner, FaultyStore& root) : inner_(inner), root_(&root) {}

  // What every call waits first: SuspendCalls' yield, DelayCalls' delay.
  Awaitable<void> Wait(const std::string& method) {
    if (root_->suspend_) co_await asio::post(*root_->suspend_, asio::use_awaitable);
    if (root_->delay_clock_ && (root_->delay_method_.empty() || root_->delay_method_ == method))
      co_await root_->delay_clock_->SleepFor(root_->delay_);
  }
  // A call that only reads: fails only by FailNext.
  template <typename Call>
  auto Read(const std::string& method, Call call) -> decltype(call()) {
    co_await Wait(method);
    if (Status f = Fault(method); !f.ok()) co_return f;
    co_return co_await call();
  }
  // A call that writes: fails by FailNext, or as a commit (on its own; inside
  // a transaction it only marks the transaction as one that commits).
  template <typename Call>
  auto Write(const std::string& method, Call call) -> decltype(call()) {
    co_await Wait(method);
    if (Status f = Fault(method); !f.ok()) co_return f;
    if (root_->depth_ > 0) {
      root_->wrote_ = true;
      co_return co_await call();
    }
    if (Status f = root_->Commit(); !f.ok()) co_return f;
    co_return co_await call();
  }
  Status Fault(const std::string& method) {
    if (root_ != this) return root_->Fault(method);
    ++calls_[method];
    auto it = faults_.find(method);
    if (it == faults_.end() || it->second.empty()) return Status::Ok();
    Status s = std::move(it->second.front());
    it->second.pop_front();
    return s;
  }
  // One commit tried: the next scripted commit fault, or OK.
  Status Commit() {
    ++commits_;
    if (commit_faults_.empty()) return Status::Ok();
    Status s = std::move(commit_faults_.front());
    commit_faults_.pop_front();
    return s;
  }

  Store& inner_;
  FaultyStore* root_ = this;  // whose script and counts these are
  std::optional<asio::any_io_executor> suspend_;
  const Clock* delay_clock_ = nullptr;
  std::chrono::milliseconds delay_{0};
  std::string delay_method_;
  std::map<std::string, std::deque<Status>> faults_;
  std::map<std::string, int> calls_;
  std::deque<Status> commit_faults_;
  int commits_ = 0;
  int depth_ = 0;       // RunInTransaction calls active
  bool wrote_ = false;  // the outermost active transaction has called a write
};

}  // namespace tgate::store::testing
