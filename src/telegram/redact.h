// Redaction of bot tokens from any text headed for a log line, an error, a
// metric or an event. Two layers: RedactTokens() masks anything shaped like a
// token (bot<id>:<secret> or <id>:<secret>), and InstallLogRedaction() makes
// every spdlog logger pass its output through it, so a token cannot leak even
// from a careless log call.
#pragma once

#include <string>
#include <string_view>

namespace tgate::telegram {

// Replaces every substring shaped like a bot token ("123456789:AA...",
// optionally after "bot") with "<id>:***".
std::string RedactTokens(std::string_view text);

// Replaces the default spdlog logger's sinks with ones that redact tokens.
void InstallLogRedaction();

}  // namespace tgate::telegram
