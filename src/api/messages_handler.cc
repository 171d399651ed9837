// POST /v1/messages {"user"|"chat_id", "text", options..., "ttl_seconds"?, "bot"?} [Idempotency-Key]
//   -> 202 {"id","status"} once the message is durable; 404 unknown user; 409 blocked.
//   A retry with the same Idempotency-Key and body gets the first message's answer; the same key
//   with another body 422 idempotency_key_reused (api/idempotency.h).
// GET /v1/messages/{id} -> 200 {"id","status","telegram_message_id"?,"error"?,"parts","attempts"}:
//   parts = the Telegram messages its text became (0 until split for sending), attempts = the
//   sends its most-tried part took (1 when every part went at once).
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

// Fills the recipient of `m` from "user" or "chat_id". A user's chat is read
// from their binding by the store, in the insert's transaction
// (store::AddressedChat: 404 not linked, 409 blocked).
Status Address(const json::object& body, store::NewMessage& m) {
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
  m.user = *user;
  return Status::Ok();
}

json::object Describe(const store::Message& m) {
  json::object out{
      {"id", m.id}, {"status", store::ToString(m.status)}, {"parts", m.parts}, {"attempts", m.attempts}};
  if (m.telegram_message_id != 0) out["telegram_message_id"] = m.telegram_message_id;
  if (!m.error.empty()) out["error"] = m.error;
  if (!m.user.empty()) out["user"] = m.user;
  out["chat_id"] = m.chat_id;
  return out;
}

}  // namespace

Awaitable<http::Response> SendMessage(ApiContext& ctx, const http::Request& req, const RouteMatch&) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) co_return http::ErrorResponse(req, body.status());
  if (Status s = CheckFields(
          *body, {"bot", "user", "chat_id", "text", "parse_mode", "entities", "disable_notification",
                  "protect_content", "reply_markup", "link_preview_options", "ttl_seconds"});
      !s.ok()) {
    co_return http::ErrorResponse(req, s);
  }
  auto key = ReadIdempotencyKey(req);
  if (!key.ok()) co_return http::ErrorResponse(req, key.status());
  auto bot_name = OptString(*body, "bot");
  if (!bot_name.ok()) co_return http::ErrorResponse(req, bot_name.status());
  auto bot = ctx.FindBot(bot_name->value_or(""));
  if (!bot.ok()) co_return http::ErrorResponse(req, bot.status());
  auto content = ParseMessageContent(*body);
  if (!content.ok()) co_return http::ErrorResponse(req, content.status());
  auto deadline = ParseDeadline(*body, ctx.NowMs(), ctx.config.MaxQueueAgeSeconds(*(*bot)->config));
  if (!deadline.ok()) co_return http::ErrorResponse(req, deadline.status());

  store::NewMessage m;
  m.expires_at_ms = *deadline;
  m.bot = (*bot)->config->name;
  m.text = std::move(content->text);
  m.options_json = std::move(content->options_json);
  m.idempotency_key = std::move(*key);
  m.priority = store::Priority::kDirect;
  // A retry (the same key and fingerprint) is answered from the first
  // message, before the recipient is read again (store::QueueStore::Enqueue).
  if (!m.idempotency_key.empty()) m.idempotency_fingerprint = RequestFingerprint(*body);
  if (Status addressed = Address(*body, m); !addressed.ok()) co_return http::ErrorResponse(req, addressed);
  // Durable once its batch committed (group commit, api_context.h).
  auto batched = co_await ctx.enqueue->Submit(std::move(m));
  Result<store::Enqueued> enqueued = batched.ok() ? std::move(*batched) : batched.status();
  if (!enqueued.ok()) co_return IdempotencyErrorResponse(req, enqueued.status());
  const int64_t id = enqueued->id;
  const bool existed = enqueued->existed;
  std::string status = "queued";
  if (existed) {
    auto prior = co_await ctx.queue.GetMessage(id);
    if (prior.ok()) status = store::ToString(prior->status);
  } else if ((*bot)->notify_one_to_one) {
    (*bot)->notify_one_to_one();
  } else if ((*bot)->notify_dispatcher) {
    (*bot)->notify_dispatcher();
  }
  json::object out{{"id", id}, {"status", status}};
  co_return http::JsonResponse(req, 202, json::serialize(out));
}

Awaitable<http::Response> GetMessage(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto id = ParsePositiveId(m.params.at(0), "message");
  if (!id.ok()) co_return http::ErrorResponse(req, id.status());
  auto msg = co_await ctx.queue.GetMessage(*id);
  if (!msg.ok()) {
    if (msg.status().IsNotFound()) co_return http::ErrorResponse(req, Status::NotFound("no such message"));
    co_return http::ErrorResponse(req, msg.status());
  }
  co_return http::JsonResponse(req, 200, json::serialize(Describe(*msg)));
}

}  // namespace tgate::api
