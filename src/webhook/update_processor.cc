#include "webhook/update_processor.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/log_stopped.h"
#include "core/status_macros.h"

namespace tgate::webhook {

namespace json = boost::json;

UpdateProcessor::UpdateProcessor(asio::any_io_executor executor, store::Store& store, link::Linker& linker,
                                 const Clock& clock, ProcessorOptions options, ProcessorWakeUps wake_ups)
    : executor_(executor),
      store_(store),
      linker_(linker),
      clock_(clock),
      options_(std::move(options)),
      wake_ups_(std::move(wake_ups)) {}

void UpdateProcessor::Start() {
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("update processor"));
}

void UpdateProcessor::Notify() { life_.Wake(); }

void UpdateProcessor::Stop() { life_.End(); }

namespace {

// What a coroutine returns when its processor ended under it: not OK, so a
// transaction under way rolls back, and transient, so the update stays pending.
Status Stopped() { return Status::Unavailable("update processor stopped"); }

}  // namespace

Awaitable<void> UpdateProcessor::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    Status s = co_await Drain(life);
    if (life.ended()) co_return;
    if (!s.ok()) spdlog::error("bot {}: processing updates failed: {}", options_.bot, s.message());
    // Sleep until notified; a periodic pass also retries after a store error.
    co_await life.Sleep(s.ok() ? std::chrono::seconds(30) : std::chrono::seconds(1));
  }
}

Awaitable<Status> UpdateProcessor::Drain(Lifetime::Token life) {
  TGATE_ASSERT_ON(io_thread_);
  bool committed = false;
  bool pass_replied = false;  // a committed update queued a reply
  // Wakes the dispatcher and the events sender for what was committed so far
  // (replies queued, events written), however the pass ends (unless the
  // processor is gone: then so may its callbacks' targets).
  auto finish = [&](Status s) {
    if (life.ended()) return s;
    if (pass_replied && wake_ups_.on_replies) wake_ups_.on_replies();
    if (committed && wake_ups_.on_committed) wake_ups_.on_committed();
    return s;
  };
  for (;;) {
    if (life.ended()) co_return Stopped();
    auto pending = co_await store_.PendingUpdates(options_.bot, kUpdatesPerTransaction);
    if (life.ended()) co_return Stopped();
    if (!pending.ok()) co_return finish(pending.status());
    if (pending->empty()) co_return finish(Status::Ok());
    // The chunk in one transaction (group commit: a burst of updates costs
    // one commit, not one each), first with every update processed straight
    // in it: a savepoint per update costs SQLite a copy of every page it
    // touches, PostgreSQL two round trips.
    bool straight_failed = false;
    bool straight_replied = false;
    Status straight = co_await store_.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
      straight_replied = false;
      for (const store::Update& u : *pending) {
        bool replied = false;
        Status one = co_await ProcessOne(life, tx, u, replied);
        if (life.ended()) co_return Stopped();
        if (one.ok()) one = co_await tx.MarkUpdateProcessed(options_.bot, u.update_id);
        if (life.ended()) co_return Stopped();
        if (!one.ok()) {
          straight_failed = true;
          co_return one;
        }
        straight_replied |= replied;
      }
      co_return Status::Ok();
    });
    if (life.ended()) co_return Stopped();
    if (straight.ok()) {
      committed = true;
      pass_replied |= straight_replied;
      continue;
    }
    // Rolled back whole (the commit failed): the chunk again, in order, next pass.
    if (!straight_failed) co_return finish(straight);
    // An update failed, and took the chunk with it: again, each update in a
    // savepoint of its own, so one that fails rolls back alone and is set
    // aside in the same commit. A transient failure ends the chunk: what came
    // before it commits, the failing update is first on the next pass.
    Status transient = Status::Ok();
    std::vector<std::pair<int64_t, std::string>> set_aside;  // logged once committed
    size_t processed = 0;
    bool chunk_replied = false;
    Status s = co_await store_.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
      for (const store::Update& u : *pending) {
        bool replied = false;
        Status one = co_await tx.RunInTransaction([&](store::Store& each) -> Awaitable<Status> {
          TGATE_CO_RETURN_IF_ERROR(co_await ProcessOne(life, each, u, replied));
          co_return co_await each.MarkUpdateProcessed(options_.bot, u.update_id);
        });
        if (life.ended()) co_return Stopped();
        if (one.ok()) {
          ++processed;
          chunk_replied |= replied;
          continue;
        }
        // Rolled back to its savepoint. The store was busy: stop here.
        if (one.IsUnavailable()) {
          transient = one;
          break;
        }
        Status aside = co_await tx.SetUpdateAside(options_.bot, u.update_id, one.ToString());
        if (life.ended()) co_return Stopped();
        if (!aside.ok()) {  // it stays pending, first on the next pass
          transient = Status(aside.code(), "cannot set aside update " + std::to_string(u.update_id) + " (" +
                                               one.ToString() + "): " + aside.message());
          break;
        }
        set_aside.emplace_back(u.update_id, one.ToString());
      }
      co_return Status::Ok();
    });
    if (life.ended()) co_return Stopped();
    // Rolled back whole (the commit failed): the chunk again, in order, next pass.
    if (!s.ok()) co_return finish(s);
    // Every processed update wrote something another part waits for: a
    // reply (the dispatcher) or an event (the events sender).
    if (processed > 0) committed = true;
    pass_replied |= chunk_replied;
    for (const auto& [update_id, why] : set_aside) {
      ++set_aside_;
      spdlog::warn("bot {}: set aside update {}, which cannot be processed: {}", options_.bot, update_id,
                   why);
    }
    if (!transient.ok()) co_return finish(transient);
  }
}

Awaitable<Result<bool>> UpdateProcessor::MayProcessOnReceipt(store::Store& tx) {
  TGATE_ASSERT_ON(io_thread_);
  Lifetime::Token life = life_.token();
  if (life.ended()) co_return Stopped();
  auto pending = co_await tx.PendingUpdates(options_.bot, 1);
  if (life.ended()) co_return Stopped();
  if (!pending.ok()) co_return pending.status();
  co_return pending->empty();
}

Awaitable<Result<bool>> UpdateProcessor::ProcessOnReceipt(store::Store& tx, const store::Update& update,
                                                          const telegram::ParsedUpdate& parsed,
                                                          bool& replied) {
  TGATE_ASSERT_ON(io_thread_);
  Lifetime::Token life = life_.token();
  if (life.ended()) co_return Stopped();
  bool inserted = false;
  bool enqueued = false;
  auto process = [&](store::Store& each) -> Awaitable<Status> {
    // Without its payload: a processed update's is not kept (store/types.h).
    store::Update processed{update.bot, update.update_id, {}, true};
    auto stored = co_await each.InsertUpdate(processed);
    if (life.ended()) co_return Stopped();
    if (!stored.ok()) co_return stored.status();
    inserted = *stored;
    if (!inserted) co_return Status::Ok();  // a duplicate: processed when it first came
    co_return co_await ProcessParsed(life, each, parsed, update.payload, enqueued);
  };
  Status s = co_await tx.RunInTransaction(process);
  if (life.ended()) co_return Stopped();
  if (!s.ok()) co_return s;
  replied |= enqueued;
  co_return inserted;
}

Awaitable<Status> UpdateProcessor::ActOnReceipt(store::Store& tx, const store::Update& update,
                                                const telegram::ParsedUpdate& parsed, bool& replied) {
  TGATE_ASSERT_ON(io_thread_);
  Lifetime::Token life = life_.token();
  if (life.ended()) co_return Stopped();
  bool enqueued = false;
  Status s = co_await ProcessParsed(life, tx, parsed, update.payload, enqueued);
  if (life.ended()) co_return Stopped();
  if (!s.ok()) co_return s;
  replied |= enqueued;
  co_return Status::Ok();
}

void UpdateProcessor::ProcessedOnReceipt(bool replied) {
  TGATE_ASSERT_ON(io_thread_);
  if (replied && wake_ups_.on_replies) wake_ups_.on_replies();
  if (wake_ups_.on_committed) wake_ups_.on_committed();
}

Awaitable<Status> UpdateProcessor::ProcessOne(Lifetime::Token life, store::Store& tx,
                                              const store::Update& update, bool& enqueued) {
  TGATE_CO_ASSIGN_OR_RETURN(auto parsed, telegram::ParseUpdate(update.payload));
  co_return co_await ProcessParsed(life, tx, parsed, update.payload, enqueued);
}

Awaitable<Status> UpdateProcessor::ProcessParsed(Lifetime::Token life, store::Store& tx,
                                                 const telegram::ParsedUpdate& u, std::string_view text,
                                                 bool& enqueued) {
  if (u.kind == telegram::ParsedUpdate::kMessage && u.chat_type == "private") {
    if (auto payload = telegram::StartPayload(u, options_.bot_username); payload && !payload->empty()) {
      co_return co_await HandleStart(life, tx, u, *payload, enqueued);
    }
  }
  if (u.kind == telegram::ParsedUpdate::kMyChatMember && u.chat_type == "private") {
    co_return co_await HandleMemberChange(life, tx, u, text);
  }
  co_return co_await Forward(tx, u, text);
}

Awaitable<Status> UpdateProcessor::HandleStart(Lifetime::Token life, store::Store& tx,
                                               const telegram::ParsedUpdate& u, const std::string& payload,
                                               bool& enqueued) {
  TGATE_CO_ASSIGN_OR_RETURN(auto r, co_await linker_.Redeem(tx, options_.bot, payload, u.chat_id));
  if (life.ended()) co_return Stopped();
  if (r.result != link::RedeemResult::kLinked) {
    spdlog::info("bot {}: /start with an {} link token", options_.bot,
                 r.result == link::RedeemResult::kExpired ? "expired" : "unknown or used");
    TGATE_CO_RETURN_IF_ERROR(co_await Reply(tx, u.chat_id, options_.invalid_link_text));
    if (life.ended()) co_return Stopped();
    enqueued = true;
    co_return Status::Ok();
  }
  TGATE_CO_RETURN_IF_ERROR(co_await Reply(tx, u.chat_id, options_.welcome_text));
  if (life.ended()) co_return Stopped();
  enqueued = true;
  json::object ev{{"type", "user.linked"}, {"user", r.user}, {"chat_id", u.chat_id}};
  if (!u.from_username.empty()) ev["username"] = u.from_username;
  co_return co_await Emit(tx, std::move(ev));
}

Awaitable<Status> UpdateProcessor::HandleMemberChange(Lifetime::Token life, store::Store& tx,
                                                      const telegram::ParsedUpdate& u,
                                                      std::string_view text) {
  store::UserStatus status;
  const char* type;
  if (u.new_status == "kicked") {
    status = store::UserStatus::kBlocked;
    type = "user.blocked";
  } else if (u.new_status == "member") {
    status = store::UserStatus::kActive;
    type = "user.unblocked";
  } else {
    co_return co_await Forward(tx, u, text);
  }
  auto binding = co_await tx.GetBindingByChat(options_.bot, u.chat_id);
  if (life.ended()) co_return Stopped();
  if (!binding.ok()) {
    if (binding.status().IsNotFound()) co_return co_await Forward(tx, u, text);  // not a linked user
    co_return binding.status();
  }
  // What is queued to a blocked chat fails as the dispatcher loads it
  // (store::Message::chat_blocked); unblocked first, it is sent.
  TGATE_CO_RETURN_IF_ERROR(co_await tx.SetChatStatus(options_.bot, u.chat_id, status));
  if (life.ended()) co_return Stopped();
  // Named: GCC 12 destroys a braced temporary in a co_await expression wrongly.
  json::object ev{{"type", type}, {"user", binding->user}, {"chat_id", u.chat_id}};
  co_return co_await Emit(tx, std::move(ev));
}

// The update goes as Telegram wrote it: its text is spliced in (it parsed as
// strict JSON), not a tree rebuilt and written out again.
// Reads no member after its store call: the caller checks its Lifetime.
Awaitable<Status> UpdateProcessor::Forward(store::Store& tx, const telegram::ParsedUpdate& u,
                                           std::string_view text) {
  std::string head = R"({"type":"update","update":)";
  head += text;
  std::string tail = R"(,"bot":)";
  tail += json::serialize(json::string_view(options_.bot));
  tail += '}';
  // With the user linked to the chat, if any (in the same statement on
  // PostgreSQL: no round trip for the binding).
  if (u.chat_id != 0) co_return co_await tx.AddChatEvent(head, options_.bot, u.chat_id, tail, NowMs());
  const std::string event = head + tail;
  co_return co_await tx.AddEvent(event, NowMs());
}

Awaitable<Status> UpdateProcessor::Reply(store::Store& tx, int64_t chat_id, const std::string& text) {
  if (text.empty()) co_return Status::Ok();
  store::NewMessage m;
  m.bot = options_.bot;
  m.chat_id = chat_id;
  m.text = text;
  m.options_json = "{}";
  m.priority = store::Priority::kDirect;
  auto enqueued = co_await tx.Enqueue(m);
  co_return enqueued.status();
}

// Reads no member after its store call: the caller checks its Lifetime.
Awaitable<Status> UpdateProcessor::Emit(store::Store& tx, json::object event) {
  event["bot"] = options_.bot;
  co_return co_await tx.AddEvent(json::serialize(event), NowMs());
}

int64_t UpdateProcessor::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
}

}  // namespace tgate::webhook
