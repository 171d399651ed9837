// POST /v1/links {"user", "ttl_seconds"?, "bot"?} -> 201 {"token","url","start_command","expires_at"}.
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/route.h"
#include "http/error_response.h"

namespace tgate::api {

namespace json = boost::json;

namespace {
constexpr int64_t kMinTtl = 10;
constexpr int64_t kMaxTtl = 7 * 24 * 3600;
}  // namespace

Awaitable<http::Response> CreateLink(ApiContext& ctx, const http::Request& req, const RouteMatch&) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) co_return http::ErrorResponse(req, body.status());
  if (Status s = CheckFields(*body, {"user", "ttl_seconds", "bot"}); !s.ok())
    co_return http::ErrorResponse(req, s);
  auto user = OptString(*body, "user");
  if (!user.ok()) co_return http::ErrorResponse(req, user.status());
  if (!*user) co_return http::ErrorResponse(req, Status::InvalidArgument("field 'user' is required"));
  if (Status s = CheckUserId(**user); !s.ok()) co_return http::ErrorResponse(req, s);
  auto ttl = OptInt(*body, "ttl_seconds");
  if (!ttl.ok()) co_return http::ErrorResponse(req, ttl.status());
  int64_t ttl_seconds = ttl->value_or(ctx.config.link_ttl_seconds);
  if (ttl_seconds < kMinTtl || ttl_seconds > kMaxTtl) {
    co_return http::ErrorResponse(req,
                                  Status::InvalidArgument("'ttl_seconds' must be between 10 and 604800"));
  }
  auto bot_name = OptString(*body, "bot");
  if (!bot_name.ok()) co_return http::ErrorResponse(req, bot_name.status());
  auto bot = ctx.FindBot(bot_name->value_or(""));
  if (!bot.ok()) co_return http::ErrorResponse(req, bot.status());

  if ((*bot)->username.empty()) {
    co_return http::ErrorResponse(req,
                                  Status::Unavailable("the bot's username is not known yet (Telegram has not "
                                                      "answered getMe); retry in a few seconds"));
  }
  auto link = co_await ctx.linker.Issue((*bot)->config->name, (*bot)->username, **user, ttl_seconds);
  if (!link.ok()) co_return http::ErrorResponse(req, link.status());
  json::object out{{"token", link->token},
                   {"url", link->url},
                   {"start_command", link->start_command},
                   {"expires_at", link->expires_at}};
  co_return http::JsonResponse(req, 201, json::serialize(out));
}

}  // namespace tgate::api
