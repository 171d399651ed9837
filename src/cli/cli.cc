#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include "app/build_info.h"
#include "cli/common.h"
#include "telegram/redact.h"

namespace tgate::cli {

int Run(int argc, char** argv) {
  telegram::InstallLogRedaction();
  CLI::App app{
      "tgate: a self-hosted Telegram gateway for websites.\n"
      "Configuration: --config FILE (TOML) and TGATE_* environment variables.",
      "tgate"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  app.set_version_flag("--version", "tgate " + std::string(tgate::app::Version()),
                       "Show tgate's version and exit");
  Globals g;
  app.add_option("-c,--config", g.config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--bot", g.bot, "Bot name from the configuration (default: the first bot)");

  AddServeCommand(app, g);
  AddSandboxCommand(app, g);
  AddWebhookCommand(app, g);
  AddCommandsCommand(app, g);
  AddMeCommand(app, g);
  AddSiteCommands(app, g);
  AddBroadcastCommand(app, g);
  AddStoreCommand(app, g);
  AddInstancesCommand(app, g);
  AddCertCommand(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  return 0;
}

}  // namespace tgate::cli
