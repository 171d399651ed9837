// Pure helpers for `tgate broadcast`: parsing a spread like "8h" or "1h30m",
// formatting an ETA, and drawing the progress bar. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::cli {

// "0", "90", "90s", "45m", "8h", "1h30m", "2d" -> seconds. InvalidArgument otherwise.
Result<int64_t> ParseDuration(std::string_view text);

// 35 -> "35s", 125 -> "2m05s", 3725 -> "1h02m"; negative -> "?".
std::string FormatEta(int64_t seconds);

// "[##########..........]" with `width` cells for done/total (total 0 = full).
std::string RenderBar(int64_t done, int64_t total, int width);

}  // namespace tgate::cli
