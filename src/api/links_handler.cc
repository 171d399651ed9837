// POST /v1/links {"user", "ttl_seconds"?, "qr"?, "bot"?} -> 201 {"token","url","start_command","expires_at",
// "qr_svg"?}: with "qr": "svg" the answer carries the deep link as a QR code (link/qr_svg.h).
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/route.h"
#include "http/error_response.h"
#include "link/qr_svg.h"

namespace tgate::api {

namespace json = boost::json;

namespace {
constexpr int64_t kMinTtl = 10;
constexpr int64_t kMaxTtl = 7 * 24 * 3600;
}  // namespace

Awaitable<http::Response> CreateLink(ApiContext& ctx, const http::Request& req, const RouteMatch&) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) co_return http::ErrorResponse(req, body.status());
  if (Status s = CheckFields(*body, {"user", "ttl_seconds", "qr", "bot"}); !s.ok())
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
  // Checked before the token is issued: a bad "qr" stores nothing.
  auto qr = OptString(*body, "qr");
  if (!qr.ok()) co_return http::ErrorResponse(req, qr.status());
  if (*qr && **qr != "svg") {
    co_return http::ErrorResponse(
        req,
        Status::InvalidArgument("'qr' must be \"svg\" (the only QR format), or left out for no QR code"));
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
  if (*qr) {
    auto svg = tgate::link::QrSvg(link->url);
    if (!svg.ok()) co_return http::ErrorResponse(req, svg.status());
    out["qr_svg"] = std::move(*svg);
  }
  co_return http::JsonResponse(req, 201, json::serialize(out));
}

}  // namespace tgate::api
