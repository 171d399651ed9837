// tgate me: getMe, to check the token and show the bot.
#include "cli/common.h"

namespace tgate::cli {

void AddMeCommand(CLI::App& app, Globals& g) {
  CLI::App* cmd = app.add_subcommand("me", "getMe: check the token and show the bot");
  cmd->callback([&g] { ExitWith(RunBotCall(g, "getMe", {})); });
}

}  // namespace tgate::cli
