// GET /v1/users/{user}[?bot=] -> 200 {"user","chat_id","status","linked_at"} | 404
// DELETE /v1/users/{user}[?bot=] -> 204 | 404; emits user.unlinked.
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/route.h"
#include "core/status_macros.h"
#include "http/asio.h"
#include "http/error_response.h"

namespace tgate::api {

namespace json = boost::json;

namespace {

Result<std::pair<const BotHandle*, std::string>> Resolve(ApiContext& ctx, const RouteMatch& m) {
  const std::string& user = m.params.at(0);
  TGATE_RETURN_IF_ERROR(CheckUserId(user));
  TGATE_ASSIGN_OR_RETURN(auto bot, ctx.FindBot(m.Query("bot")));
  return std::make_pair(bot, user);
}

}  // namespace

Awaitable<http::Response> GetUser(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto r = Resolve(ctx, m);
  if (!r.ok()) co_return http::ErrorResponse(req, r.status());
  auto b = co_await ctx.links.GetBinding(r->first->config->name, r->second);
  if (!b.ok()) {
    if (b.status().IsNotFound()) co_return http::ErrorResponse(req, Status::NotFound("user is not linked"));
    co_return http::ErrorResponse(req, b.status());
  }
  json::object out{{"user", b->user},
                   {"chat_id", b->chat_id},
                   {"status", store::ToString(b->status)},
                   {"linked_at", b->linked_at}};
  co_return http::JsonResponse(req, 200, json::serialize(out));
}

Awaitable<http::Response> DeleteUser(ApiContext& ctx, const http::Request& req, const RouteMatch& m) {
  auto r = Resolve(ctx, m);
  if (!r.ok()) co_return http::ErrorResponse(req, r.status());
  const std::string& bot = r->first->config->name;
  const std::function<std::string(const store::Binding&)> event = [&](const store::Binding& b) {
    json::object ev{{"type", "user.unlinked"}, {"bot", bot}, {"user", b.user}, {"chat_id", b.chat_id}};
    return json::serialize(ev);
  };
  auto unlinked = co_await ctx.links.Unlink(bot, r->second, event, ctx.NowMs());
  if (const Status& s = unlinked.status(); !s.ok()) {
    if (s.IsNotFound()) co_return http::ErrorResponse(req, Status::NotFound("user is not linked"));
    co_return http::ErrorResponse(req, s);
  }
  // The unlink wrote user.unlinked to the outbox: wake the events sender now
  // (the handle's notify wakes it with the dispatcher), or the event waits
  // for its next poll, ~30 s.
  if (r->first->notify_dispatcher) r->first->notify_dispatcher();
  http::Response res{bhttp::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  co_return res;
}

}  // namespace tgate::api
