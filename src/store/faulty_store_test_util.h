// FaultyStore: a Store for tests that forwards every call to a real one,
// except the faults a test scripted, as a busy or broken database would give
// them (in the spirit of leveldb's fault-injection Env):
//   - FailNext(method, status, n): the next n calls of that method return
//     `status` without reaching the real store;
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

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

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
  // Calls of `method` so far, failed ones included.
  int calls(const std::string& method) const {
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }
  // Commits tried so far, failed ones included.
  int commits() const { return commits_; }

  // TransactionRunner
  Status RunInTransaction(const std::function<Status()>& fn) override {
    if (Status f = Fault("RunInTransaction"); !f.ok()) return f;
    const bool outermost = depth_ == 0;
    if (outermost) wrote_ = false;
    ++depth_;
    Status s = inner_.RunInTransaction([&]() -> Status {
      if (Status st = fn(); !st.ok()) return st;
      if (!outermost || !wrote_) return Status::Ok();
      return Commit();  // not OK: the inner store rolls the whole of it back
    });
    --depth_;
    return s;
  }

  // LinkStore
  Status PutLinkToken(const LinkToken& token) override {
    return Write("PutLinkToken", [&] { return inner_.PutLinkToken(token); });
  }
  Result<LinkToken> TakeLinkToken(std::string_view token) override {
    return Write("TakeLinkToken", [&] { return inner_.TakeLinkToken(token); });
  }
  Status Bind(const Binding& binding) override {
    return Write("Bind", [&] { return inner_.Bind(binding); });
  }
  Result<Binding> GetBinding(std::string_view bot, std::string_view user) override {
    return Read("GetBinding", [&] { return inner_.GetBinding(bot, user); });
  }
  Result<Binding> GetBindingByChat(std::string_view bot, int64_t chat_id) override {
    return Read("GetBindingByChat", [&] { return inner_.GetBindingByChat(bot, chat_id); });
  }
  Status DeleteBinding(std::string_view bot, std::string_view user) override {
    return Write("DeleteBinding", [&] { return inner_.DeleteBinding(bot, user); });
  }
  Result<Binding> Unlink(std::string_view bot, std::string_view user,
                         const std::function<std::string(const Binding&)>& event, int64_t now_ms) override {
    return Write("Unlink", [&] { return inner_.Unlink(bot, user, event, now_ms); });
  }
  Status SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) override {
    return Write("SetChatStatus", [&] { return inner_.SetChatStatus(bot, chat_id, status); });
  }
  Status MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) override {
    return Write("MoveChat", [&] { return inner_.MoveChat(bot, old_chat, new_chat); });
  }
  Result<int64_t> CountBindings(std::string_view bot, UserStatus status) override {
    return Read("CountBindings", [&] { return inner_.CountBindings(bot, status); });
  }

  // QueueStore
  Result<Enqueued> Enqueue(const NewMessage& message) override {
    return Write("Enqueue", [&] { return inner_.Enqueue(message); });
  }
  Result<int64_t> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                              std::string_view fingerprint) override {
    return Read("FindMessageByIdempotencyKey",
                [&] { return inner_.FindMessageByIdempotencyKey(bot, key, fingerprint); });
  }
  Result<Message> GetMessage(int64_t id) override {
    return Read("GetMessage", [&] { return inner_.GetMessage(id); });
  }
  Result<std::vector<Message>> LoadQueued(std::string_view bot, Priority priority, int64_t after_id,
                                          size_t limit) override {
    return Read("LoadQueued", [&] { return inner_.LoadQueued(bot, priority, after_id, limit); });
  }
  Result<int64_t> PendingMessages(std::string_view bot) override {
    return Read("PendingMessages", [&] { return inner_.PendingMessages(bot); });
  }
  Status Complete(const std::vector<Completion>& completions) override {
    return Write("Complete", [&] { return inner_.Complete(completions); });
  }
  Status WriteOutcomes(const std::vector<Completion>& completions, const std::vector<std::string>& events,
                       int64_t now_ms) override {
    return Write("WriteOutcomes", [&] { return inner_.WriteOutcomes(completions, events, now_ms); });
  }
  Result<std::vector<GroupSend>> RecentGroupSends(std::string_view bot, int64_t since_s) override {
    return Read("RecentGroupSends", [&] { return inner_.RecentGroupSends(bot, since_s); });
  }
  Result<int64_t> LastMessageId() override {
    return Read("LastMessageId", [&] { return inner_.LastMessageId(); });
  }
  Result<std::vector<int64_t>> FailQueuedForChat(std::string_view bot, int64_t chat_id,
                                                 std::string_view reason) override {
    return Write("FailQueuedForChat", [&] { return inner_.FailQueuedForChat(bot, chat_id, reason); });
  }

  // BroadcastStore
  Result<Broadcast> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) override {
    return Write("CreateBroadcast", [&] { return inner_.CreateBroadcast(broadcast, now_ms); });
  }
  Result<int64_t> FillBroadcasts(std::string_view bot, size_t max_rows) override {
    return Write("FillBroadcasts", [&] { return inner_.FillBroadcasts(bot, max_rows); });
  }
  Result<std::vector<int64_t>> ActiveBroadcasts(std::string_view bot) override {
    return Read("ActiveBroadcasts", [&] { return inner_.ActiveBroadcasts(bot); });
  }
  Result<std::vector<Message>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                   int64_t after_id, int64_t due_by_ms,
                                                   size_t limit) override {
    return Read("LoadBroadcastQueued",
                [&] { return inner_.LoadBroadcastQueued(bot, broadcast_id, after_id, due_by_ms, limit); });
  }
  Result<Broadcast> GetBroadcast(int64_t id) override {
    return Read("GetBroadcast", [&] { return inner_.GetBroadcast(id); });
  }
  Result<Broadcast> CancelBroadcast(int64_t id) override {
    return Write("CancelBroadcast", [&] { return inner_.CancelBroadcast(id); });
  }

  // InboxStore
  Result<bool> InsertUpdate(const Update& update) override {
    return Write("InsertUpdate", [&] { return inner_.InsertUpdate(update); });
  }
  Result<std::vector<Update>> PendingUpdates(std::string_view bot, size_t limit) override {
    return Read("PendingUpdates", [&] { return inner_.PendingUpdates(bot, limit); });
  }
  Status MarkUpdateProcessed(std::string_view bot, int64_t update_id) override {
    return Write("MarkUpdateProcessed", [&] { return inner_.MarkUpdateProcessed(bot, update_id); });
  }
  Status SetUpdateAside(std::string_view bot, int64_t update_id, std::string_view reason) override {
    return Write("SetUpdateAside", [&] { return inner_.SetUpdateAside(bot, update_id, reason); });
  }
  Result<int64_t> CountSetAsideUpdates(std::string_view bot) override {
    return Read("CountSetAsideUpdates", [&] { return inner_.CountSetAsideUpdates(bot); });
  }
  Result<int64_t> MaxUpdateId(std::string_view bot) override {
    return Read("MaxUpdateId", [&] { return inner_.MaxUpdateId(bot); });
  }

  // OutboxStore
  Status AddEvent(std::string_view payload_json, int64_t now_ms) override {
    return Write("AddEvent", [&] { return inner_.AddEvent(payload_json, now_ms); });
  }
  Result<std::vector<Event>> DueEvents(int64_t now_ms, size_t limit) override {
    return Read("DueEvents", [&] { return inner_.DueEvents(now_ms, limit); });
  }
  Status EventDelivered(int64_t id) override {
    return Write("EventDelivered", [&] { return inner_.EventDelivered(id); });
  }
  Status EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) override {
    return Write("EventRetry", [&] { return inner_.EventRetry(id, attempts, next_attempt_ms); });
  }
  Result<int64_t> NextEventDue() override {
    return Read("NextEventDue", [&] { return inner_.NextEventDue(); });
  }

  // RetentionStore
  Result<PruneResult> PruneMessages(int64_t before, size_t max_rows) override {
    return Write("PruneMessages", [&] { return inner_.PruneMessages(before, max_rows); });
  }
  Result<PruneResult> PruneUpdates(int64_t before, size_t max_rows) override {
    return Write("PruneUpdates", [&] { return inner_.PruneUpdates(before, max_rows); });
  }
  Result<PruneResult> PruneBroadcasts(int64_t before, size_t max_rows) override {
    return Write("PruneBroadcasts", [&] { return inner_.PruneBroadcasts(before, max_rows); });
  }
  Result<PruneResult> PruneEvents(int64_t before, size_t max_rows) override {
    return Write("PruneEvents", [&] { return inner_.PruneEvents(before, max_rows); });
  }
  Result<int64_t> PruneLinkTokens(int64_t now) override {
    return Write("PruneLinkTokens", [&] { return inner_.PruneLinkTokens(now); });
  }

 private:
  // A call that only reads: fails only by FailNext.
  template <typename Call>
  auto Read(const std::string& method, Call call) -> decltype(call()) {
    if (Status f = Fault(method); !f.ok()) return f;
    return call();
  }
  // A call that writes: fails by FailNext, or as a commit (on its own; inside
  // a transaction it only marks the transaction as one that commits).
  template <typename Call>
  auto Write(const std::string& method, Call call) -> decltype(call()) {
    if (Status f = Fault(method); !f.ok()) return f;
    if (depth_ > 0) {
      wrote_ = true;
      return call();
    }
    if (Status f = Commit(); !f.ok()) return f;
    return call();
  }
  Status Fault(const std::string& method) {
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
  std::map<std::string, std::deque<Status>> faults_;
  std::map<std::string, int> calls_;
  std::deque<Status> commit_faults_;
  int commits_ = 0;
  int depth_ = 0;       // RunInTransaction calls active
  bool wrote_ = false;  // the outermost active transaction has called a write
};

}  // namespace tgate::store::testing
