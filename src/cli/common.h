// Shared by the subcommands: loading the configuration (--config plus
// TGATE_* variables), picking a bot, running a coroutine to completion on a
// fresh io_context, and printing errors in one consistent way.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "app/instance_lock.h"
#include "config/config.h"
#include "http/asio.h"
#include "telegram/bot_api.h"

namespace tgate::cli {

// Options every subcommand shares.
struct Globals {
  std::string config_path;
  std::string bot;  // --bot NAME; empty = the default bot
};

// Loads the config or prints why not. nullopt on failure.
std::optional<config::Config> LoadConfig(const Globals& g);

// The chosen bot, or prints why not.
const config::BotConfig* PickBot(const config::Config& c, const Globals& g);

// Prints "error: <message>" to stderr and returns 1.
int Fail(const std::string& message);

// Runs `fn` on a new io_context until it completes; returns its exit code.
int RunAsync(std::function<Awaitable<int>(asio::io_context&)> fn);

// Calls one Bot API method for `bot` and returns its classified result.
Awaitable<telegram::ApiResult> CallBot(asio::io_context& io, const config::BotConfig& bot, std::string method,
                                       boost::json::object params);
// The same for multipart bodies.
Awaitable<telegram::ApiResult> CallBotMultipart(asio::io_context& io, const config::BotConfig& bot,
                                                std::string method, std::vector<telegram::FormPart> parts);

// The environment variable that holds `bot`'s token (a bot of `c`).
std::string TokenVariableOf(const config::Config& c, const config::BotConfig& bot);

// Prints a Bot API result (JSON on success) and returns the exit code. A
// call that failed here (a token of the wrong shape, a bad api_url, no
// connection) is told apart from an answer of Telegram's, and each says what
// to change.
int PrintApiResult(const telegram::ApiResult& r, const config::Config& c, const config::BotConfig& bot);

// Loads the config, picks the bot, calls `method` with `params` and prints
// the result: the whole of a subcommand that is one Bot API call.
int RunBotCall(const Globals& g, std::string method, boost::json::object params);

// Registration of each subcommand (one file each).
void AddServeCommand(CLI::App& app, Globals& g);
void AddSandboxCommand(CLI::App& app, Globals& g);
void AddWebhookCommand(CLI::App& app, Globals& g);
void AddCommandsCommand(CLI::App& app, Globals& g);
void AddMeCommand(CLI::App& app, Globals& g);
void AddSiteCommands(CLI::App& app, Globals& g);  // link, send
void AddBroadcastCommand(CLI::App& app, Globals& g);
void AddStoreCommand(CLI::App& app, Globals& g);  // store copy
void AddInstancesCommand(CLI::App& app, Globals& g);
void AddCertCommand(CLI::App& app, Globals& g);  // cert self-signed

}  // namespace tgate::cli

namespace tgate::cli {
// Ends a subcommand's callback with `code` (CLI11 turns it into the exit code).
inline void ExitWith(int code) {
  if (code != 0) throw CLI::RuntimeError(code);
}
// Sets spdlog's level from a name ("debug", "info", "warn", ...).
void SetLogLevel(const std::string& level);
// Runs the gateway until SIGINT/SIGTERM, then shuts it down gracefully.
// `after_start` runs once it listens (e.g. to print a walkthrough); `lock`,
// the database's InstanceLock if the caller holds it already.
int ServeUntilSignal(asio::io_context& io, config::Config config,
                     std::function<Awaitable<void>()> after_start = {},
                     std::unique_ptr<app::InstanceLock> lock = nullptr);
}  // namespace tgate::cli
