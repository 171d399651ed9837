// tgate-emulator: the Bot API emulator as a process, for integration tests
// and benchmarks. Prints exactly one line "listening on HOST:PORT" to stdout
// once bound, and exits cleanly on SIGTERM/SIGINT.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>

#include "tools/emulator/emulator.h"

namespace {

bool SplitHostPort(const std::string& s, std::string& host, uint16_t& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(s.data() + colon + 1, s.data() + s.size(), p);
  if (ec != std::errc() || ptr != s.data() + s.size() || p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

// "MS" or "MIN:MAX" (milliseconds, 0 <= MIN <= MAX).
bool ParseRange(const std::string& s, std::chrono::milliseconds& lo, std::chrono::milliseconds& hi) {
  auto number = [](std::string_view t, int64_t& v) {
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && ptr == t.data() + t.size() && v >= 0 && v <= 600000;
  };
  size_t colon = s.find(':');
  int64_t a = 0, b = 0;
  std::string_view all(s);
  if (colon == std::string::npos) {
    if (!number(all, a)) return false;
    b = a;
  } else if (!number(all.substr(0, colon), a) || !number(all.substr(colon + 1), b) || a > b) {
    return false;
  }
  lo = std::chrono::milliseconds(a);
  hi = std::chrono::milliseconds(b);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tgate;
  emulator::EmulatorOptions o;
  std::string listen = "127.0.0.1:8081";
  int64_t latency_ms = 0, retry_ms = 1000;
  std::string request_latency = "0";
  CLI::App app{"tgate-emulator: a Telegram Bot API stand-in for tests (see tools/emulator/README.md)"};
  app.add_option("--listen", listen, "host:port to listen on (port 0: any free port)")->capture_default_str();
  app.add_option("--token", o.tokens, "Accepted bot token (repeatable; none: any well-formed token)");
  app.add_option("--bot-username", o.bot_username, "getMe username")->capture_default_str();
  app.add_option("--global-per-sec", o.limits.global_per_sec, "Free messages per second, bot-wide")
      ->capture_default_str();
  app.add_option("--paid-per-sec", o.limits.paid_per_sec, "Paid-broadcast messages per second")
      ->capture_default_str();
  app.add_option("--chat-per-sec", o.limits.chat_per_sec, "Messages per second to one private chat")
      ->capture_default_str();
  app.add_option("--chat-burst", o.limits.chat_burst, "Back-to-back messages to one private chat")
      ->capture_default_str();
  app.add_option("--group-per-min", o.limits.group_per_min, "Messages per minute to one group")
      ->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "Delay added to every Bot API answer")->capture_default_str();
  app.add_option(
         "--request-latency-ms", request_latency,
         "Delay before each Bot API request is handled, MIN:MAX uniformly random (or MS): network jitter")
      ->capture_default_str();
  app.add_option("--webhook-retry-ms", retry_ms, "First webhook retry delay (doubles, max 60 s)")
      ->capture_default_str();
  app.add_flag("-v,--verbose", o.verbose, "Log every Bot API call (method names only)");
  CLI11_PARSE(app, argc, argv);
  if (!SplitHostPort(listen, o.host, o.port)) {
    std::cerr << "tgate-emulator: --listen must be host:port, e.g. 127.0.0.1:8081\n";
    return 2;
  }
  if (o.limits.global_per_sec <= 0 || o.limits.paid_per_sec <= 0 || o.limits.chat_per_sec <= 0 ||
      o.limits.chat_burst <= 0 || o.limits.group_per_min <= 0 || latency_ms < 0 || retry_ms <= 0) {
    std::cerr << "tgate-emulator: limits, --latency-ms and --webhook-retry-ms must be positive\n";
    return 2;
  }
  o.latency = std::chrono::milliseconds(latency_ms);
  if (!ParseRange(request_latency, o.request_latency_min, o.request_latency_max)) {
    std::cerr
        << "tgate-emulator: --request-latency-ms must be MS or MIN:MAX with 0 <= MIN <= MAX, e.g. 50:200\n";
    return 2;
  }
  o.webhook_retry_initial = std::chrono::milliseconds(retry_ms);
  // Logs go to stderr: stdout carries only the "listening on" line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("tgate-emulator"));
  if (o.verbose) spdlog::set_level(spdlog::level::debug);

  asio::io_context io(1);
  emulator::Emulator emu(io.get_executor(), o);
  if (Status s = emu.Start(); !s.ok()) {
    std::cerr << "tgate-emulator: " << s.message() << "\n";
    return 1;
  }
  std::cout << "listening on " << o.host << ":" << emu.port() << std::endl;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    emu.Stop();
    io.stop();
  });
  io.run();
  return 0;
}
