// POST /v1/broadcasts {"users":[...] | "all":true, "text", options..., "spread_seconds"?, "paid"?,
// "ttl_seconds"?, "bot"?}
//   [Idempotency-Key] -> 202 {"id","total","skipped","skipped_users"}; a retry with the same key and
//   body gets the first broadcast's; the same key with another body 422 idempotency_key_reused.
//   skipped_users (a "users" list only): [{"user","reason": "not_linked"|"blocked"}], request order.
// GET /v1/broadcasts/{id} -> 200 {"id","status","total","sent","failed","pending","cancelled",
//   "skipped","skipped_users",...}
// DELETE /v1/broadcasts/{id} -> 200 with the counts; what was not sent is cancelled.
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

constexpr int64_t kMaxSpreadSeconds = 7 * 24 * 3600;

// [{"user","reason"}]: empty for a broadcast to "all" (it skips no one), and
// for a broadcast made before tgate kept them (its "skipped" still counts).
void AddSkippedUsers(const store::Broadcast& b, json::object& out) {
  json::array users;
  users.reserve(b.skipped_users.size());
  for (const auto& s : b.skipped_users) users.push_back(json::object{{"user", s.user}, {"reason", s.reason}});
  out["skipped_users"] = std::move(users);
}

json::object Counts(const store::Broadcast& b) {
  json::object out{{"id", b.id},
                   {"status", b.status},
                   {"total", b.total},
                   {"sent", b.sent},
                   {"failed", b.failed},
                   {"pending", b.pending},
                   {"cancelled", b.cancelled},
                   {"skipped", b.skipped},
                   {"paid", b.paid},
                   {"spread_seconds", b.spread_seconds}};
  AddSkippedUsers(b, out);
  return out;
}

Status ReadTargets(const json::object& body, store::NewBroadcast& b) {
  TGATE_ASSIGN_OR_RETURN(auto all, OptBool(body, "all"));
  const json::value* users = body.if_contains("users");
  bool has_users = users && !users->is_null();
  if (all.value_or(false) == has_users) {
    return Status::InvalidArgument("give either \"all\": true or a \"users\" list");
  }
  if (!has_users) {
    b.all = true;
    return Status::Ok();
  }
  if (!users->is_array()) return Status::InvalidArgument("field 'users' must be an array of strings");
  const json::array& arr = users->as_array();
  if (arr.empty()) return Status::InvalidArgument("'users' must not be empty");
  b.users.reserve(arr.size());
  for (const json::value& u : arr) {
    if (!u.is_string()) return Status::InvalidArgument("field 'users' must be an array of strings");
    TGATE_RETURN_IF_ERROR(CheckUserId(u.as_string()));
    b.users.emplace_back(u.as_string());
  }
  return Status::Ok();
}

http::Response Answer(const http::Request& req, const Result<store::Broadcast>& b) {
  if (!b.ok()) {
    if (b.status().IsNotFound()) return http::ErrorResponse(req, Status::NotFound("no such broadcast"));
    return http::ErrorResponse(req, b.status());
  }
  return http::JsonResponse(req, 200, json::serialize(Counts(*b)));
}

}  // namespace

Awaitable<http::Response> CreateBroadcast(ApiContext& ctx, const http::Request& req, const RouteMatch&) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) co_return http::ErrorResponse(req, body.status());
  if (Status s = CheckFields(*body, {"bot", "users", "all", "text", "parse_mode", "entities",
                                     "disable_notification", "protect_content", "reply_markup",
                                     "link_preview_options", "spread_seconds", "paid", "ttl_seconds"});
      !s.ok()) {
    co_return http::ErrorResponse(req, s);
  }
  auto key = ReadIdempotencyKey(req);
  if (!key.ok()) co_return http::ErrorResponse(req, key.status());
  auto bot_name = OptString(*body, "bot");
  if (!bot_name.ok()) co_return http::ErrorResponse(req, bot_name.status());
  auto bot = ctx.FindBot(bot_name->value_or(""));
  if (!bot.ok()) co_return http::ErrorResponse(req, bot.status());

  store::NewBroadcast b;
  b.bot = (*bot)->config->name;
  if (!key->empty()) {
    b.idempotency_key = std::move(*key);
    b.idempotency_fingerprint = RequestFingerprint(*body);
  }
  if (Status s = ReadTargets(*body, b); !s.ok()) co_return http::ErrorResponse(req, s);
  auto content = ParseMessageContent(*body);
  if (!content.ok()) co_return http::ErrorResponse(req, content.status());
  b.text = std::move(content->text);
  b.options_json = std::move(content->options_json);
  auto spread = OptInt(*body, "spread_seconds");
  if (!spread.ok()) co_return http::ErrorResponse(req, spread.status());
  b.spread_seconds = spread->value_or(0);
  if (b.spread_seconds < 0 || b.spread_seconds > kMaxSpreadSeconds) {
    co_return http::ErrorResponse(req, Status::InvalidArgument("'spread_seconds' must be 0..604800"));
  }
  auto paid = OptBool(*body, "paid");
  if (!paid.ok()) co_return http::ErrorResponse(req, paid.status());
  b.paid = paid->value_or(false);
  const int64_t now_ms = ctx.NowMs();
  auto deadline = ParseDeadline(*body, now_ms, ctx.config.MaxQueueAgeSeconds(*(*bot)->config));
  if (!deadline.ok()) co_return http::ErrorResponse(req, deadline.status());
  if (*deadline != 0 && *deadline < now_ms + b.spread_seconds * 1000) {
    co_return http::ErrorResponse(req,
                                  Status::Unprocessable("'ttl_seconds' is shorter than 'spread_seconds': the "
                                                        "last messages would expire before they are due"));
  }
  b.expires_at_ms = *deadline;

  // With a used key: the first broadcast's answer, or 422 for another body.
  auto created = co_await ctx.broadcasts.CreateBroadcast(b, ctx.NowMs());
  if (!created.ok()) co_return IdempotencyErrorResponse(req, created.status());
  if ((*bot)->notify_dispatcher) (*bot)->notify_dispatcher();
  json::object out{{"id", created->id}, {"total", created->total}, {"skipped", created->skipped}};
  AddSkippedUsers(*created, out);
  co_return http::JsonResponse(req, 202, json::serialize(out));
}

Awaitable<http::Response> GetBroadcast(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto id = ParsePositiveId(m.params.at(0), "broadcast");
  if (!id.ok()) co_return http::ErrorResponse(req, id.status());
  auto b = co_await ctx.broadcasts.GetBroadcast(*id);
  co_return Answer(req, b);
}

Awaitable<http::Response> CancelBroadcast(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto id = ParsePositiveId(m.params.at(0), "broadcast");
  if (!id.ok()) co_return http::ErrorResponse(req, id.status());
  auto b = co_await ctx.broadcasts.CancelBroadcast(*id);
  if (b.ok() && ctx.bots.count(b->bot)) {
    // The dispatcher holds some of the broadcast in memory: drop it there too.
    if (auto& h = ctx.bots.at(b->bot); h.cancel_broadcast) h.cancel_broadcast(*id);
  }
  co_return Answer(req, b);
}

}  // namespace tgate::api
