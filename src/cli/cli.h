// The tgate command line: parses argv with CLI11 and runs one subcommand
// (serve, sandbox, webhook, commands, me, link, send, broadcast, store,
// instances). Each subcommand lives in its own file, <name>_command.cc (link
// and send, the site API's, share site_commands.cc), and registers itself
// through an Add* function. Errors print what to do and return non-zero.
#pragma once

namespace tgate::cli {

int Run(int argc, char** argv);

}  // namespace tgate::cli
