// ListenerOptions: the options `tgate serve` gives its HTTP listener, from the
// configuration and the machine: the body limit, Telegram's webhook as the
// connections closed last, the connection cap within the open-file limit
// (raising the soft limit first, fd_limit.h), and a transport thread when
// there is a second core (app/threads.h).
// Not the listener itself (http/server.h) nor the descriptor arithmetic
// (fd_limit.h).
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"
#include "http/server.h"

namespace tgate::app {

// Logs the connection cap, with a warning and what to do when the open-file
// limit lowered it below what was asked.
http::ServerOptions ListenerOptions(const config::Config& config, const std::string& host, uint16_t port);

}  // namespace tgate::app
