#include "app/listener_options.h"

#include <spdlog/spdlog.h>

#include "app/fd_limit.h"

namespace tgate::app {

http::ServerOptions ListenerOptions(const config::Config& config, const std::string& host, uint16_t port) {
  http::ServerOptions so;
  so.host = host;
  so.port = port;
  so.body_limit = config.max_body_bytes;
  so.priority_prefixes = {"/hooks/telegram/"};
  // By default the io thread also reads and writes the connections: handing
  // each request to another thread and its answer back costs more CPU than
  // the HTTP it moves off the io thread (app/threads.h).
  so.transport_threads = static_cast<size_t>(config.http_threads);
  so.executor_is_one_thread = true;  // the io thread
  const FdLimits fds = RaiseFdLimit();
  uint64_t in_flight = 0;
  for (const config::BotConfig& bc : config.bots) in_flight += static_cast<uint64_t>(bc.limits.max_in_flight);
  const uint64_t reserve = FdReserve(in_flight, config.bots.size());
  bool clamped = false;
  so.max_connections =
      ConnectionCap(static_cast<uint64_t>(config.max_connections), fds.soft, reserve, &clamped);
  if (clamped) {
    spdlog::warn(
        "http server: at most {} connections: the open-file limit {} less {} descriptors kept for the "
        "store and Telegram{}; raise the hard limit (LimitNOFILE=, ulimit -Hn) for more",
        so.max_connections, fds.soft, reserve,
        config.max_connections != 0
            ? " (max_connections asked for " + std::to_string(config.max_connections) + ")"
            : std::string());
  } else {
    spdlog::info("http server: at most {} connections (max_connections)", so.max_connections);
  }
  return so;
}

}  // namespace tgate::app
