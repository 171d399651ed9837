// tgate sandbox: tgate wired to the built-in Bot API emulator, so a newcomer
// can link a user, press Start and receive a message without a bot token.
#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "core/random.h"
#include "tools/emulator/emulator.h"

namespace tgate::cli {
namespace {

// A fake token the emulator accepts; it is not a real bot's.
constexpr char kSandboxToken[] = "123456789:SANDBOX_not_a_real_token_for_the_emulator";

struct SandboxOptions {
  std::string listen = "127.0.0.1:8080";
  uint16_t emulator_port = 8081;
  std::string db = "tgate-sandbox.db";
};

config::Config SandboxConfig(const config::Config& base, const SandboxOptions& o, uint16_t emulator_port) {
  config::Config c = base;
  c.listen = o.listen;
  c.db = o.db;
  if (c.api_key.empty()) c.api_key = "sandbox";
  config::BotConfig bot = base.bots.empty() ? config::BotConfig{} : base.bots.front();
  bot.name = "default";
  bot.token = kSandboxToken;
  bot.api_url = "http://127.0.0.1:" + std::to_string(emulator_port);
  bot.long_polling = false;
  bot.webhook_secret = RandomBase64Url(24);
  bot.webhook_path = RandomBase64Url(24);
  c.bots = {bot};
  return c;
}

void PrintWalkthrough(const config::Config& c, uint16_t emulator_port) {
  std::string api = "http://" + c.listen;
  std::string emu = "http://127.0.0.1:" + std::to_string(emulator_port);
  std::string auth = "-H 'Authorization: Bearer " + c.api_key + "'";
  std::cout << "\n"
            << "tgate sandbox is running: tgate + a Bot API emulator standing in for Telegram.\n"
            << "  site API: " << api << "   (API key: " << c.api_key << ")\n"
            << "  emulator: " << emu << "\n\n"
            << "Try it from another terminal:\n"
            << "  1. Link site user 42 (note the token in the answer):\n"
            << "     curl -s " << auth << " -d '{\"user\":\"42\"}' " << api << "/v1/links\n"
            << "  2. Be Telegram user 1001 pressing Start on that link:\n"
            << "     curl -s -d '{\"user_id\":1001,\"payload\":\"PASTE_TOKEN\"}' " << emu
            << "/control/start\n"
            << "  3. Check the link and send user 42 a message:\n"
            << "     curl -s " << auth << " " << api << "/v1/users/42\n"
            << "     curl -s " << auth << " -d '{\"user\":\"42\",\"text\":\"Order shipped\"}' " << api
            << "/v1/messages\n"
            << "  4. See what Telegram received (the welcome text and your message):\n"
            << "     curl -s '" << emu << "/control/sent?chat_id=1001'\n"
            << "Stop with Ctrl-C. The sandbox starts afresh each time (" << c.db << ").\n"
            << std::endl;
}

}  // namespace

void AddSandboxCommand(CLI::App& app, Globals& g) {
  static SandboxOptions o;
  CLI::App* cmd =
      app.add_subcommand("sandbox", "Run tgate against the built-in Bot API emulator (no token needed)");
  cmd->add_option("--listen", o.listen,
                  "Site API address (host:port); without it TGATE_LISTEN or listen from --config, "
                  "else 127.0.0.1:8080");
  cmd->add_option("--emulator-port", o.emulator_port, "Port of the emulator on 127.0.0.1")
      ->capture_default_str();
  cmd->add_option("--db", o.db, "SQLite file for the sandbox")->capture_default_str();
  cmd->callback([&g, cmd] {
    auto base = LoadConfig(g);
    if (!base) ExitWith(1);
    // Like serve, the sandbox listens where TGATE_LISTEN (or the config file)
    // says unless --listen says otherwise: the hint for an address in use
    // names TGATE_LISTEN.
    if (cmd->count("--listen") == 0) o.listen = base->listen;
    // Each sandbox starts fresh: its emulator numbers updates from 1 again,
    // which an old database would take for duplicates. But never the files
    // of a sandbox still running: the lock first.
    auto lock = app::InstanceLock::Acquire(o.db);
    if (!lock.ok()) ExitWith(Fail(lock.status().message() + " (a sandbox takes another file with --db)"));
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((o.db + suffix).c_str());
    asio::io_context io;
    emulator::EmulatorOptions eo;
    eo.port = o.emulator_port;
    eo.tokens = {kSandboxToken};
    emulator::Emulator emu(io.get_executor(), eo);
    if (Status s = emu.Start(); !s.ok()) {
      ExitWith(Fail("cannot start the emulator on 127.0.0.1:" + std::to_string(o.emulator_port) + ": " +
                    s.message() + " (choose another with --emulator-port)"));
    }
    config::Config c = SandboxConfig(*base, o, emu.port());
    if (Status s = config::ValidateForServe(c); !s.ok()) ExitWith(Fail(s.message()));
    const config::BotConfig bot = c.bots.front();
    std::string hook_url = "http://" + c.listen + "/hooks/telegram/" + bot.webhook_path;
    int code = ServeUntilSignal(
        io, c,
        [&io, bot, hook_url, c, port = emu.port()]() -> Awaitable<void> {
          boost::json::object params{{"url", hook_url}, {"secret_token", bot.webhook_secret}};
          telegram::ApiResult r = co_await CallBot(io, bot, "setWebhook", params);
          if (!r.ok()) {
            Fail("the emulator refused setWebhook: " + r.description);
            co_return;
          }
          PrintWalkthrough(c, port);
        },
        std::move(*lock));
    emu.Stop();
    ExitWith(code);
  });
}

}  // namespace tgate::cli
