#include "core/json_log_format.h"

#include <spdlog/spdlog.h>
#include <time.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "core/utf8.h"

namespace tgate {
namespace {

namespace json = boost::json;

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int the format could be given, so nothing is ever cut
  const int millis = static_cast<int>(ms - int64_t{secs} * 1000);
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

// "bot shop: ..." -> "shop" (tgate's per-bot lines); "" otherwise.
std::string_view BotOf(std::string_view message) {
  if (message.rfind("bot ", 0) != 0) return {};
  const size_t colon = message.find(':', 4);
  if (colon == std::string_view::npos || colon == 4) return {};
  std::string_view name = message.substr(4, colon - 4);
  if (name.find(' ') != std::string_view::npos) return {};
  return name;
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view message(msg.payload.data(), msg.payload.size());
  json::object line;
  line["time"] = IsoUtc(msg.time);
  const auto level = spdlog::level::to_string_view(msg.level);
  line["level"] = std::string_view(level.data(), level.size());
  if (msg.logger_name.size() > 0) {
    line["logger"] = AsUtf8(std::string_view(msg.logger_name.data(), msg.logger_name.size()));
  }
  if (std::string_view bot = BotOf(message); !bot.empty()) line["bot"] = AsUtf8(bot);
  line["message"] = AsUtf8(message);
  const std::string text = json::serialize(line);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

std::string JsonLogLine(spdlog::level::level_enum level, std::string_view message) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, spdlog::string_view_t(), level,
                               spdlog::string_view_t(message.data(), message.size()));
  spdlog::memory_buf_t buf;
  JsonLogFormatter().format(msg, buf);
  return std::string(buf.data(), buf.size());
}

void UseJsonLogFormat() { spdlog::set_formatter(std::make_unique<JsonLogFormatter>()); }

}  // namespace tgate
