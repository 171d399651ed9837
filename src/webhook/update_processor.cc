#include "webhook/update_processor.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/log_stopped.h"
#include "core/status_macros.h"

namespace tgate::webhook {

namespace json = boost::json;

UpdateProcessor::UpdateProcessor(asio::any_io_executor executor, store::Store& store, link::Linker& linker,
                                 const Clock& clock, ProcessorOptions options,
                                 std::function<void()> on_enqueued)
    : executor_(executor),
      store_(store),
      linker_(linker),
      clock_(clock),
      options_(std::move(options)),
      on_enqueued_(std::move(on_enqueued)) {}

void UpdateProcessor::Start() {
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("update processor"));
}

void UpdateProcessor::Notify() { life_.Wake(); }

void UpdateProcessor::Stop() { life_.End(); }

Awaitable<void> UpdateProcessor::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    Status s = Drain();
    if (!s.ok()) spdlog::error("bot {}: processing updates failed: {}", options_.bot, s.message());
    // Sleep until notified; a periodic pass also retries after a store error.
    co_await life.Sleep(s.ok() ? std::chrono::seconds(30) : std::chrono::seconds(1));
  }
}

Status UpdateProcessor::Drain() {
  TGATE_ASSERT_ON(io_thread_);
  bool enqueued = false;
  // Wakes the dispatcher for the replies committed so far, however the pass ends.
  auto finish = [&](Status s) {
    if (enqueued && on_enqueued_) on_enqueued_();
    return s;
  };
  for (;;) {
    auto pending = store_.PendingUpdates(options_.bot, 100);
    if (!pending.ok()) return finish(pending.status());
    if (pending->empty()) return finish(Status::Ok());
    for (const store::Update& u : *pending) {
      bool replied = false;
      Status s = store_.RunInTransaction([&] {
        TGATE_RETURN_IF_ERROR(ProcessOne(u, replied));
        return store_.MarkUpdateProcessed(options_.bot, u.update_id);
      });
      if (s.ok()) {
        enqueued |= replied;
        continue;
      }
      // Rolled back whole. The store was busy: retry it, in order, next pass.
      if (s.IsUnavailable()) return finish(s);
      if (Status aside = SetAside(u, s); !aside.ok()) return finish(aside);
    }
  }
}

Status UpdateProcessor::SetAside(const store::Update& update, const Status& why) {
  Status s = store_.SetUpdateAside(options_.bot, update.update_id, why.ToString());
  if (!s.ok()) {
    return Status(s.code(), "cannot set aside update " + std::to_string(update.update_id) + " (" +
                                why.ToString() + "): " + s.message());
  }
  ++set_aside_;
  spdlog::warn("bot {}: set aside update {}, which cannot be processed: {}", options_.bot, update.update_id,
               why.ToString());
  return Status::Ok();
}

Status UpdateProcessor::ProcessOne(const store::Update& update, bool& enqueued) {
  TGATE_ASSIGN_OR_RETURN(auto parsed, telegram::ParseUpdate(update.payload));
  const telegram::ParsedUpdate& u = parsed;
  if (u.kind == telegram::ParsedUpdate::kMessage && u.chat_type == "private") {
    if (auto payload = telegram::StartPayload(u, options_.bot_username); payload && !payload->empty()) {
      return HandleStart(u, *payload, enqueued);
    }
  }
  if (u.kind == telegram::ParsedUpdate::kMyChatMember && u.chat_type == "private") {
    return HandleMemberChange(u);
  }
  return Forward(u);
}

Status UpdateProcessor::HandleStart(const telegram::ParsedUpdate& u, const std::string& payload,
                                    bool& enqueued) {
  TGATE_ASSIGN_OR_RETURN(auto r, linker_.Redeem(options_.bot, payload, u.chat_id));
  if (r.result != link::RedeemResult::kLinked) {
    spdlog::info("bot {}: /start with an {} link token", options_.bot,
                 r.result == link::RedeemResult::kExpired ? "expired" : "unknown or used");
    TGATE_RETURN_IF_ERROR(Reply(u.chat_id, options_.invalid_link_text));
    enqueued = true;
    return Status::Ok();
  }
  TGATE_RETURN_IF_ERROR(Reply(u.chat_id, options_.welcome_text));
  enqueued = true;
  json::object ev{{"type", "user.linked"}, {"user", r.user}, {"chat_id", u.chat_id}};
  if (!u.from_username.empty()) ev["username"] = u.from_username;
  return Emit(std::move(ev));
}

Status UpdateProcessor::HandleMemberChange(const telegram::ParsedUpdate& u) {
  store::UserStatus status;
  const char* type;
  if (u.new_status == "kicked") {
    status = store::UserStatus::kBlocked;
    type = "user.blocked";
  } else if (u.new_status == "member") {
    status = store::UserStatus::kActive;
    type = "user.unblocked";
  } else {
    return Forward(u);
  }
  auto binding = store_.GetBindingByChat(options_.bot, u.chat_id);
  if (!binding.ok()) {
    if (binding.status().IsNotFound()) return Forward(u);  // not a linked user
    return binding.status();
  }
  TGATE_RETURN_IF_ERROR(store_.SetChatStatus(options_.bot, u.chat_id, status));
  if (status == store::UserStatus::kBlocked) {
    TGATE_RETURN_IF_ERROR(
        store_.FailQueuedForChat(options_.bot, u.chat_id, "blocked: the user blocked the bot").status());
  }
  return Emit(json::object{{"type", type}, {"user", binding->user}, {"chat_id", u.chat_id}});
}

Status UpdateProcessor::Forward(const telegram::ParsedUpdate& u) {
  json::object ev{{"type", "update"}, {"update", u.raw}};
  if (u.chat_id != 0) {
    auto binding = store_.GetBindingByChat(options_.bot, u.chat_id);
    if (binding.ok()) ev["user"] = binding->user;
  }
  return Emit(std::move(ev));
}

Status UpdateProcessor::Reply(int64_t chat_id, const std::string& text) {
  if (text.empty()) return Status::Ok();
  store::NewMessage m;
  m.bot = options_.bot;
  m.chat_id = chat_id;
  m.text = text;
  m.options_json = "{}";
  m.priority = store::Priority::kDirect;
  return store_.Enqueue(m).status();
}

Status UpdateProcessor::Emit(json::object event) {
  event["bot"] = options_.bot;
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  return store_.AddEvent(json::serialize(event), now_ms);
}

}  // namespace tgate::webhook
