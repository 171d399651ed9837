// Emulator: a stand-in for Telegram's Bot API server on loopback, for tgate's
// integration tests, benchmarks and `tgate sandbox`. Serves /bot<token>/<method>
// with Telegram's answer shapes and texts (sendMessage with flood limits,
// getMe, setWebhook/deleteWebhook/getWebhookInfo, getUpdates long polling,
// setMyCommands/getMyCommands), delivers updates to the webhook like Telegram,
// and offers a test-only control API under /control/ (README.md).
// Not Telegram: one bot state shared by all accepted tokens, no files, no
// other methods (404 "Not Found: method not found").
// Threading: all work runs on one strand made from the given executor, so
// the io_context may have any number of threads. Start/Stop from any thread;
// the Emulator must outlive the io_context's run() or be Stop()ped first.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/asio.h"
#include "tools/emulator/limits.h"

namespace tgate::emulator {

struct EmulatorOptions {
  // Address to listen on.
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see port()).
  uint16_t port = 0;
  // Accepted bot tokens; any other gets 401 "Unauthorized". Empty: any token
  // of the shape <digits>:<secret> is accepted.
  std::vector<std::string> tokens;
  // getMe's username.
  std::string bot_username = "tgate_sandbox_bot";
  // Flood limits (sliding windows, see limits.h; botapi-facts.md §1).
  LimitOptions limits;
  // Added before every Bot API answer, to emulate the round trip to Telegram.
  std::chrono::milliseconds latency{0};
  // Network jitter: each Bot API request is handled after a delay drawn
  // uniformly from [min, max], its trip to Telegram, so requests sent evenly
  // arrive unevenly and out of order (flood limits apply on arrival). 0, 0: none.
  std::chrono::milliseconds request_latency_min{0};
  std::chrono::milliseconds request_latency_max{0};
  // First webhook retry delay; doubles per failure up to webhook_retry_max
  // (Telegram: 1 s, 60 s; botapi-facts.md §2). Tests use ~100 ms.
  std::chrono::milliseconds webhook_retry_initial{1000};
  std::chrono::milliseconds webhook_retry_max{60000};
  // Deadline of one webhook POST.
  std::chrono::milliseconds webhook_timeout{10000};
  // Log every Bot API call (method names only, never the token).
  bool verbose = false;
};

class Emulator {
 public:
  Emulator(asio::any_io_executor executor, EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Binds and starts serving. Unavailable if the port is taken.
  Status Start();
  // The bound port. Valid after Start().
  uint16_t port() const;
  // Stops serving, ends waiting long polls and webhook deliveries.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgate::emulator
