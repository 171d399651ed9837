#include "cli/common.h"

#include <iostream>

#include "core/status_macros.h"
#include "telegram/bot_token.h"
#include "telegram/http_bot_api.h"

namespace tgate::cli {

std::optional<config::Config> LoadConfig(const Globals& g) {
  const config::Env env = config::ProcessEnv();
  auto c = config::Load(g.config_path, env);
  if (!c.ok()) {
    Fail(c.status().message());
    return std::nullopt;
  }
  for (const std::string& line : config::UnreadEnvVariables(*c, env))
    std::cerr << "warning: " << line << "\n";
  return std::move(*c);
}

const config::BotConfig* PickBot(const config::Config& c, const Globals& g) {
  const config::BotConfig* b = c.FindBot(g.bot);
  if (!b) {
    if (c.bots.empty()) {
      Fail("no bot configured: set TGATE_BOT_TOKEN or add [[bots]] to the config file (--config FILE)");
    } else {
      Fail("no bot named '" + g.bot + "' in the configuration");
    }
    return nullptr;
  }
  if (b->token.empty()) {
    Fail("bot '" + b->name + "' has no token: set " + TokenVariableOf(c, *b) +
         " or token in the config file");
    return nullptr;
  }
  return b;
}

int Fail(const std::string& message) {
  std::cerr << "error: " << message << std::endl;
  return 1;
}

int RunAsync(std::function<Awaitable<int>(asio::io_context&)> fn) {
  asio::io_context io;
  int code = 1;
  asio::co_spawn(io, fn(io), [&](std::exception_ptr e, int rc) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        code = Fail(ex.what());
      }
      return;
    }
    code = rc;
  });
  io.run();
  return code;
}

namespace {

Result<std::unique_ptr<telegram::HttpBotApi>> MakeApi(asio::io_context& io, const config::BotConfig& bot) {
  telegram::HttpBotApiOptions o;
  o.token = bot.token;
  o.base_url = bot.api_url;
  o.max_connections = 2;
  o.timeout = std::chrono::seconds(30);
  auto api = std::make_unique<telegram::HttpBotApi>(io.get_executor(), o);
  TGATE_RETURN_IF_ERROR(api->Init());
  return api;
}

// A client that could not be made (a token of the wrong shape, a bad
// api_url): no request left this machine. The HTTP client calls the URL
// base_url; the user knows it as api_url.
telegram::ApiResult NotSent(const Status& why) {
  std::string what = why.message();
  if (what.rfind("base_url", 0) == 0) what.replace(0, 8, "api_url");
  return telegram::NetworkFailure("nothing was sent: " + what);
}

}  // namespace

Awaitable<telegram::ApiResult> CallBot(asio::io_context& io, const config::BotConfig& bot, std::string method,
                                       boost::json::object params) {
  auto api = MakeApi(io, bot);
  if (!api.ok()) co_return NotSent(api.status());
  co_return co_await (*api)->Call(std::move(method), std::move(params), std::chrono::milliseconds(0));
}

Awaitable<telegram::ApiResult> CallBotMultipart(asio::io_context& io, const config::BotConfig& bot,
                                                std::string method, std::vector<telegram::FormPart> parts) {
  auto api = MakeApi(io, bot);
  if (!api.ok()) co_return NotSent(api.status());
  co_return co_await (*api)->CallMultipart(std::move(method), std::move(parts));
}

std::string TokenVariableOf(const config::Config& c, const config::BotConfig& bot) {
  return config::TokenVariable(bot.name, !c.bots.empty() && &bot == &c.bots.front());
}

int PrintApiResult(const telegram::ApiResult& r, const config::Config& c, const config::BotConfig& bot) {
  if (r.ok()) {
    std::cout << boost::json::serialize(r.result) << std::endl;
    return 0;
  }
  const std::string token_hint = TokenVariableOf(c, bot) + " or token in the config file";
  if (r.kind == telegram::ErrorKind::kNetwork) {
    // No HTTP answer: the call failed here, before Telegram said anything.
    if (!telegram::ValidateBotToken(bot.token).ok()) {
      return Fail("nothing was sent: the token of bot '" + bot.name +
                  "' is not shaped like a bot token (<id>:<secret> as @BotFather gives it); set " +
                  token_hint);
    }
    return Fail("the call to the Bot API at " + bot.api_url + " failed here, Telegram did not answer: " +
                r.description + " (check api_url / TGATE_BOT_API_URL and this machine's network)");
  }
  std::string hint;
  if (r.kind == telegram::ErrorKind::kUnauthorized || r.kind == telegram::ErrorKind::kNotFound) {
    hint = " (check the bot token: " + token_hint + ")";
  }
  return Fail("Telegram answered " + std::to_string(r.http_status) + ": " + r.description + hint);
}

int RunBotCall(const Globals& g, std::string method, boost::json::object params) {
  auto c = LoadConfig(g);
  if (!c) return 1;
  const config::BotConfig* bot = PickBot(*c, g);
  if (!bot) return 1;
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    telegram::ApiResult r = co_await CallBot(io, *bot, method, params);
    co_return PrintApiResult(r, *c, *bot);
  });
}

}  // namespace tgate::cli
