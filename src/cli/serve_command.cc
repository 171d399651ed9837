// tgate serve: the site API, the webhook (or long polling) and the dispatcher.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <optional>

#include "app/build_info.h"
#include "app/gateway.h"
#include "cli/common.h"
#include "core/clock.h"
#include "core/json_log_format.h"

namespace tgate::cli {

void SetLogLevel(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

int ServeUntilSignal(asio::io_context& io, config::Config config,
                     std::function<Awaitable<void>()> after_start, std::unique_ptr<app::InstanceLock> lock) {
  static SystemClock clock;
  SetLogLevel(config.log_level);
  if (config.log_format == "json") UseJsonLogFormat();
  spdlog::info("tgate {} starting (pid {}, log level {})", app::Version(), getpid(), config.log_level);
  app::Gateway gateway(io, std::move(config), clock, std::move(lock));
  // Opening a PostgreSQL store is asynchronous: run the io_context until it
  // is open, then start the rest outside any handler, as before.
  std::optional<Status> opened;
  asio::co_spawn(io, gateway.Open(), [&](std::exception_ptr e, Status s) {
    opened = e ? Status::Internal("unexpected exception opening the store") : std::move(s);
  });
  while (!opened && io.run_one() > 0) {
  }
  io.restart();
  if (!opened) return Fail("tgate could not open its store");
  if (!opened->ok()) return Fail(opened->message());
  if (Status s = gateway.Start(); !s.ok()) return Fail(s.message());
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down (in-flight sends finish, the rest stays queued)", sig);
    asio::co_spawn(io, gateway.Stop(), [&](std::exception_ptr) { io.stop(); });
  });
  if (after_start) asio::co_spawn(io, after_start(), asio::detached);
  io.run();
  return 0;
}

void AddServeCommand(CLI::App& app, Globals& g) {
  CLI::App* cmd = app.add_subcommand("serve", "Run tgate: site API + webhook (or long polling) + dispatcher");
  cmd->callback([&g] {
    auto c = LoadConfig(g);
    if (!c) ExitWith(1);
    if (Status s = config::ValidateForServe(*c); !s.ok()) ExitWith(Fail(s.message()));
    asio::io_context io;
    ExitWith(ServeUntilSignal(io, std::move(*c)));
  });
}

}  // namespace tgate::cli
