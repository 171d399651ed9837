// LogStopped: the completion handler for asio::co_spawn of a coroutine meant
// to run until shutdown (a loop): an exception escaping it is logged as
// "<what> stopped: <reason>" at `level`. Not for per-request coroutines on a
// hot path (it holds a string), nor for callers that must act on the error.
#pragma once

#include <spdlog/spdlog.h>

#include <exception>
#include <string>

namespace tgate {

inline auto LogStopped(std::string what, spdlog::level::level_enum level = spdlog::level::err) {
  return [what = std::move(what), level](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::log(level, "{} stopped: {}", what, ex.what());
    }
  };
}

}  // namespace tgate
