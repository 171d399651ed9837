// ControlApi: the emulator's test-only HTTP API under /control/ (no token,
// JSON in and out; documented with examples in tools/emulator/README.md):
// act as a Telegram user (start, message, block, unblock), script chats and
// faults, redeliver an update, and read what the bot sent and the counters.
// Not part of the Bot API. Synchronous over BotState; on the state's strand.
#pragma once

#include <functional>

#include "core/clock.h"
#include "http/message.h"
#include "tools/emulator/bot_state.h"

namespace tgate::emulator {

class ControlApi {
 public:
  // `reset_limits` rebuilds the flood windows on /control/reset.
  ControlApi(BotState& state, const Clock& clock, std::function<void()> reset_limits)
      : state_(state), clock_(clock), reset_limits_(std::move(reset_limits)) {}

  // REQUIRES: req.target() starts with "/control/".
  http::Response Handle(const http::Request& req);

 private:
  http::Response Start(const http::Request& req);
  http::Response Message(const http::Request& req);
  http::Response Block(const http::Request& req, bool blocked);
  http::Response Chat(const http::Request& req);
  http::Response Faults(const http::Request& req);
  http::Response Outage(const http::Request& req);
  http::Response Redeliver(const http::Request& req);
  http::Response Sent(const http::Request& req);
  http::Response Stats(const http::Request& req);
  http::Response Reset(const http::Request& req);

  BotState& state_;
  const Clock& clock_;
  std::function<void()> reset_limits_;
};

}  // namespace tgate::emulator
