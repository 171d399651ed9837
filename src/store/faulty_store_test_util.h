// FaultyStore: a Store for tests that forwards every call to a real one,
// except the calls a test scripted to fail (FailNext): those return the given
// Status without reaching the real store, as a busy or broken database would.
// Test-only (never linked into tgate); not thread-safe, like the Store.
// When the Store interface gains a method, add its forwarder here.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <utility>

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
  // Calls of `method` so far, failed ones included.
  int calls(const std::string& method) const {
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }

  Status RunInTransaction(const std::function<Status()>& fn) override {
    if (Status f = Fault("RunInTransaction"); !f.ok()) return f;
    return inner_.RunInTransaction(fn);
  }
  Status PutLinkToken(const LinkToken& token) override {
    if (Status f = Fault("PutLinkToken"); !f.ok()) return f;
    return inner_.PutLinkToken(token);
  }
  Result<LinkToken> TakeLinkToken(std::string_view token) override {
    if (Status f = Fault("TakeLinkToken"); !f.ok()) return f;
    return inner_.TakeLinkToken(token);
  }
  Result<int64_t> PruneLinkTokens(int64_t now) override {
    if (Status f = Fault("PruneLinkTokens"); !f.ok()) return f;
    return inner_.PruneLinkTokens(now);
  }
  Status Bind(const Binding& binding) override {
    if (Status f = Fault("Bind"); !f.ok()) return f;
    return inner_.Bind(binding);
  }
  Result<Binding> GetBinding(std::string_view bot, std::string_view user) override {
    if (Status f = Fault("GetBinding"); !f.ok()) return f;
    return inner_.GetBinding(bot, user);
  }
  Result<Binding> GetBindingByChat(std::string_view bot, int64_t chat_id) override {
    if (Status f = Fault("GetBindingByChat"); !f.ok()) return f;
    return inner_.GetBindingByChat(bot, chat_id);
  }
  Status DeleteBinding(std::string_view bot, std::string_view user) override {
    if (Status f = Fault("DeleteBinding"); !f.ok()) return f;
    return inner_.DeleteBinding(bot, user);
  }
  Status SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) override {
    if (Status f = Fault("SetChatStatus"); !f.ok()) return f;
    return inner_.SetChatStatus(bot, chat_id, status);
  }
  Status MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) override {
    if (Status f = Fault("MoveChat"); !f.ok()) return f;
    return inner_.MoveChat(bot, old_chat, new_chat);
  }
  Result<int64_t> CountBindings(std::string_view bot, UserStatus status) override {
    if (Status f = Fault("CountBindings"); !f.ok()) return f;
    return inner_.CountBindings(bot, status);
  }
  Result<int64_t> Enqueue(const NewMessage& message, bool* existed) override {
    if (Status f = Fault("Enqueue"); !f.ok()) return f;
    return inner_.Enqueue(message, existed);
  }
  Result<int64_t> FindMessageByIdempotencyKey(std::string_view bot, std::string_view key,
                                              std::string_view fingerprint) override {
    if (Status f = Fault("FindMessageByIdempotencyKey"); !f.ok()) return f;
    return inner_.FindMessageByIdempotencyKey(bot, key, fingerprint);
  }
  Result<Message> GetMessage(int64_t id) override {
    if (Status f = Fault("GetMessage"); !f.ok()) return f;
    return inner_.GetMessage(id);
  }
  Result<std::vector<Message>> LoadQueued(std::string_view bot, Priority priority, int64_t after_id,
                                          size_t limit) override {
    if (Status f = Fault("LoadQueued"); !f.ok()) return f;
    return inner_.LoadQueued(bot, priority, after_id, limit);
  }
  Result<std::vector<Message>> LoadBroadcastQueued(std::string_view bot, int64_t broadcast_id,
                                                   int64_t after_id, int64_t due_by_ms,
                                                   size_t limit) override {
    if (Status f = Fault("LoadBroadcastQueued"); !f.ok()) return f;
    return inner_.LoadBroadcastQueued(bot, broadcast_id, after_id, due_by_ms, limit);
  }
  Result<int64_t> PendingMessages(std::string_view bot) override {
    if (Status f = Fault("PendingMessages"); !f.ok()) return f;
    return inner_.PendingMessages(bot);
  }
  Status Complete(const std::vector<Completion>& completions) override {
    if (Status f = Fault("Complete"); !f.ok()) return f;
    return inner_.Complete(completions);
  }
  Result<std::vector<GroupSend>> RecentGroupSends(std::string_view bot, int64_t since_s) override {
    if (Status f = Fault("RecentGroupSends"); !f.ok()) return f;
    return inner_.RecentGroupSends(bot, since_s);
  }
  Result<int64_t> LastMessageId() override {
    if (Status f = Fault("LastMessageId"); !f.ok()) return f;
    return inner_.LastMessageId();
  }
  Result<std::vector<int64_t>> FailQueuedForChat(std::string_view bot, int64_t chat_id,
                                                 std::string_view reason) override {
    if (Status f = Fault("FailQueuedForChat"); !f.ok()) return f;
    return inner_.FailQueuedForChat(bot, chat_id, reason);
  }
  Result<Broadcast> CreateBroadcast(const NewBroadcast& broadcast, int64_t now_ms) override {
    if (Status f = Fault("CreateBroadcast"); !f.ok()) return f;
    return inner_.CreateBroadcast(broadcast, now_ms);
  }
  Result<int64_t> FillBroadcasts(std::string_view bot, size_t max_rows) override {
    if (Status f = Fault("FillBroadcasts"); !f.ok()) return f;
    return inner_.FillBroadcasts(bot, max_rows);
  }
  Result<std::vector<int64_t>> ActiveBroadcasts(std::string_view bot) override {
    if (Status f = Fault("ActiveBroadcasts"); !f.ok()) return f;
    return inner_.ActiveBroadcasts(bot);
  }
  Result<Broadcast> GetBroadcast(int64_t id) override {
    if (Status f = Fault("GetBroadcast"); !f.ok()) return f;
    return inner_.GetBroadcast(id);
  }
  Result<Broadcast> CancelBroadcast(int64_t id) override {
    if (Status f = Fault("CancelBroadcast"); !f.ok()) return f;
    return inner_.CancelBroadcast(id);
  }
  Result<bool> InsertUpdate(const Update& update) override {
    if (Status f = Fault("InsertUpdate"); !f.ok()) return f;
    return inner_.InsertUpdate(update);
  }
  Result<std::vector<Update>> PendingUpdates(std::string_view bot, size_t limit) override {
    if (Status f = Fault("PendingUpdates"); !f.ok()) return f;
    return inner_.PendingUpdates(bot, limit);
  }
  Status MarkUpdateProcessed(std::string_view bot, int64_t update_id) override {
    if (Status f = Fault("MarkUpdateProcessed"); !f.ok()) return f;
    return inner_.MarkUpdateProcessed(bot, update_id);
  }
  Status SetUpdateAside(std::string_view bot, int64_t update_id, std::string_view reason) override {
    if (Status f = Fault("SetUpdateAside"); !f.ok()) return f;
    return inner_.SetUpdateAside(bot, update_id, reason);
  }
  Result<int64_t> CountSetAsideUpdates(std::string_view bot) override {
    if (Status f = Fault("CountSetAsideUpdates"); !f.ok()) return f;
    return inner_.CountSetAsideUpdates(bot);
  }
  Result<int64_t> MaxUpdateId(std::string_view bot) override {
    if (Status f = Fault("MaxUpdateId"); !f.ok()) return f;
    return inner_.MaxUpdateId(bot);
  }
  Result<PruneResult> PruneMessages(int64_t before, size_t max_rows) override {
    if (Status f = Fault("PruneMessages"); !f.ok()) return f;
    return inner_.PruneMessages(before, max_rows);
  }
  Result<PruneResult> PruneUpdates(int64_t before, size_t max_rows) override {
    if (Status f = Fault("PruneUpdates"); !f.ok()) return f;
    return inner_.PruneUpdates(before, max_rows);
  }
  Result<PruneResult> PruneBroadcasts(int64_t before, size_t max_rows) override {
    if (Status f = Fault("PruneBroadcasts"); !f.ok()) return f;
    return inner_.PruneBroadcasts(before, max_rows);
  }
  Result<PruneResult> PruneEvents(int64_t before, size_t max_rows) override {
    if (Status f = Fault("PruneEvents"); !f.ok()) return f;
    return inner_.PruneEvents(before, max_rows);
  }
  Status AddEvent(std::string_view payload_json, int64_t now_ms) override {
    if (Status f = Fault("AddEvent"); !f.ok()) return f;
    return inner_.AddEvent(payload_json, now_ms);
  }
  Result<std::vector<Event>> DueEvents(int64_t now_ms, size_t limit) override {
    if (Status f = Fault("DueEvents"); !f.ok()) return f;
    return inner_.DueEvents(now_ms, limit);
  }
  Status EventDelivered(int64_t id) override {
    if (Status f = Fault("EventDelivered"); !f.ok()) return f;
    return inner_.EventDelivered(id);
  }
  Status EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) override {
    if (Status f = Fault("EventRetry"); !f.ok()) return f;
    return inner_.EventRetry(id, attempts, next_attempt_ms);
  }
  Result<int64_t> NextEventDue() override {
    if (Status f = Fault("NextEventDue"); !f.ok()) return f;
    return inner_.NextEventDue();
  }

 private:
  Status Fault(const std::string& method) {
    ++calls_[method];
    auto it = faults_.find(method);
    if (it == faults_.end() || it->second.empty()) return Status::Ok();
    Status s = std::move(it->second.front());
    it->second.pop_front();
    return s;
  }

  Store& inner_;
  std::map<std::string, std::deque<Status>> faults_;
  std::map<std::string, int> calls_;
};

}  // namespace tgate::store::testing
