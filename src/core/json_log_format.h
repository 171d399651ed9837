// JsonLogFormatter: an spdlog formatter that writes each log record as one
// line holding one JSON object, for log shippers (config `log_format =
// "json"`): {"time","level","logger"?,"bot"?,"message"}. `time` is ISO-8601
// UTC with milliseconds; `bot` is taken from the "bot <name>: " prefix tgate's
// per-bot lines start with. Quotes, newlines and control characters in a
// message are escaped, and bytes that are not UTF-8 are written as \xNN
// text, so every line parses. It formats what the sinks hand it: the token
// redaction (telegram/redact.h) wraps the sinks and has run by then.
// Not a structured-logging API (messages stay text). Safe from any thread
// (each sink owns its clone).
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace tgate {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// `message` at `level`, now, as the formatter writes it (with its newline):
// for lines written past the loggers (tgate's "listening on" line).
std::string JsonLogLine(spdlog::level::level_enum level, std::string_view message);

// Makes every registered logger (and the default) write JSON lines.
void UseJsonLogFormat();

}  // namespace tgate
