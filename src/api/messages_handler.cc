// POST /v1/messages {"user"|"chat_id", "text", options..., "ttl_seconds"?, "bot"?} [Idempotency-Key]
//   -> 202 {"id","status"} once the message is durable; 404 unknown user; 409 blocked.
//   A retry with the same Idempotency-Key and body gets the first message's answer; the same key
//   with another body 422 idempotency_key_reused (api/idempotency.h).
// GET /v1/messages/{id} -> 200 {"id","status","telegram_message_id"?,"error"?,"attempts"}.
#include <boost/json.hpp>

#include "api/idempotency.h"
#include "api/json_body.h"
#include "api/message_request.h"
#include "api/route.h"
#include "core/status_macros.h"
#include "http/error_response.h"

namespace tgate::api {

namespace json = boost::json;

namespace {

// Fills the recipient of `m` from "user" or "chat_id".
Status Address(ApiContext& ctx, const json::object& body, store::NewMessage& m) {
  TGATE_ASSIGN_OR_RETURN(auto user, OptString(body, "user"));
  TGATE_ASSIGN_OR_RETURN(auto chat, OptInt(body, "chat_id"));
  if (user.has_value() == chat.has_value()) {
    return Status::InvalidArgument("give exactly one of 'user' (a linked site user) or 'chat_id'");
  }
  if (chat.has_value()) {
    if (*chat == 0) return Status::InvalidArgument("'chat_id' must not be 0");
    m.chat_id = *chat;
    return Status::Ok();
  }
  TGATE_RETURN_IF_ERROR(CheckUserId(*user));
  auto b = ctx.links.GetBinding(m.bot, *user);
  if (!b.ok()) {
    if (b.status().IsNotFound()) return Status::NotFound("user '" + *user + "' is not linked to this bot");
    return b.status();
  }
  if (b->status == store::UserStatus::kBlocked) {
    return Status::Conflict("user '" + *user +
                            "' has blocked the bot; nothing can be sent until they unblock it");
  }
  m.user = *user;
  m.chat_id = b->chat_id;
  return Status::Ok();
}

json::object Describe(const store::Message& m) {
  json::object out{{"id", m.id}, {"status", store::ToString(m.status)}, {"attempts", m.attempts}};
  if (m.telegram_message_id != 0) out["telegram_message_id"] = m.telegram_message_id;
  if (!m.error.empty()) out["error"] = m.error;
  if (!m.user.empty()) out["user"] = m.user;
  out["chat_id"] = m.chat_id;
  return out;
}

}  // namespace

http::Response SendMessage(ApiContext& ctx, const http::Request& req, const RouteMatch&) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) return http::ErrorResponse(req, body.status());
  if (Status s = CheckFields(
          *body, {"bot", "user", "chat_id", "text", "parse_mode", "entities", "disable_notification",
                  "protect_content", "reply_markup", "link_preview_options", "ttl_seconds"});
      !s.ok()) {
    return http::ErrorResponse(req, s);
  }
  auto key = ReadIdempotencyKey(req);
  if (!key.ok()) return http::ErrorResponse(req, key.status());
  auto bot_name = OptString(*body, "bot");
  if (!bot_name.ok()) return http::ErrorResponse(req, bot_name.status());
  auto bot = ctx.FindBot(bot_name->value_or(""));
  if (!bot.ok()) return http::ErrorResponse(req, bot.status());
  auto content = ParseMessageContent(*body);
  if (!content.ok()) return http::ErrorResponse(req, content.status());
  auto deadline = ParseDeadline(*body, ctx.NowMs(), ctx.config.MaxQueueAgeSeconds(*(*bot)->config));
  if (!deadline.ok()) return http::ErrorResponse(req, deadline.status());

  store::NewMessage m;
  m.expires_at_ms = *deadline;
  m.bot = (*bot)->config->name;
  m.text = std::move(content->text);
  m.options_json = std::move(content->options_json);
  m.idempotency_key = std::move(*key);
  m.priority = store::Priority::kDirect;
  bool existed = false;
  Result<int64_t> id = Status::NotFound("");
  if (!m.idempotency_key.empty()) {
    // A retry is answered from the first message before the recipient is read
    // again: the user may have blocked the bot or unlinked since.
    m.idempotency_fingerprint = RequestFingerprint(*body);
    id = ctx.queue.FindMessageByIdempotencyKey(m.bot, m.idempotency_key, m.idempotency_fingerprint);
    if (!id.ok() && !id.status().IsNotFound()) return IdempotencyErrorResponse(req, id.status());
    existed = id.ok();
  }
  if (!existed) {
    if (Status s = Address(ctx, *body, m); !s.ok()) return http::ErrorResponse(req, s);
    auto enqueued = ctx.queue.Enqueue(m);
    if (!enqueued.ok()) return IdempotencyErrorResponse(req, enqueued.status());
    id = enqueued->id;
    existed = enqueued->existed;
  }
  std::string status = "queued";
  if (existed) {
    if (auto prior = ctx.queue.GetMessage(*id); prior.ok()) status = store::ToString(prior->status);
  } else if ((*bot)->notify_dispatcher) {
    (*bot)->notify_dispatcher();
  }
  json::object out{{"id", *id}, {"status", status}};
  return http::JsonResponse(req, 202, json::serialize(out));
}

http::Response GetMessage(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto id = ParsePositiveId(m.params.at(0), "message");
  if (!id.ok()) return http::ErrorResponse(req, id.status());
  auto msg = ctx.queue.GetMessage(*id);
  if (!msg.ok()) {
    if (msg.status().IsNotFound()) return http::ErrorResponse(req, Status::NotFound("no such message"));
    return http::ErrorResponse(req, msg.status());
  }
  return http::JsonResponse(req, 200, json::serialize(Describe(*msg)));
}

}  // namespace tgate::api
