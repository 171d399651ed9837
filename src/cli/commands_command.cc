// tgate commands set: setMyCommands from the configuration's
// [[bots.commands]], the bot's command menu in Telegram's clients
// (botapi-facts.md §8).
#include "cli/common.h"

namespace tgate::cli {

void AddCommandsCommand(CLI::App& app, Globals& g) {
  CLI::App* cmd = app.add_subcommand("commands", "Manage the bot's command menu");
  cmd->require_subcommand(1);
  CLI::App* set = cmd->add_subcommand("set", "setMyCommands from the configuration's [[bots.commands]]");
  set->callback([&g] {
    auto c = LoadConfig(g);
    if (!c) ExitWith(1);
    const config::BotConfig* bot = PickBot(*c, g);
    if (!bot) ExitWith(1);
    if (bot->commands.empty()) {
      ExitWith(Fail("bot '" + bot->name +
                    "' has no commands; add [[bots.commands]] with command and "
                    "description to the config file"));
    }
    boost::json::array cmds;
    for (const auto& bc : bot->commands)
      cmds.push_back({{"command", bc.command}, {"description", bc.description}});
    ExitWith(RunAsync([&](asio::io_context& io) -> Awaitable<int> {
      boost::json::object params;
      params["commands"] = cmds;
      telegram::ApiResult r = co_await CallBot(io, *bot, "setMyCommands", std::move(params));
      co_return PrintApiResult(r, *c, *bot);
    }));
  });
}

}  // namespace tgate::cli
