// Pure helpers for `tgate broadcast`: parsing a spread like "8h" or "1h30m",
// formatting an ETA, drawing the progress bar, and redrawing the line in
// place. No I/O.
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

// What to write to a terminal to replace the line last drawn (`previous`
// characters wide) with `line`: a carriage return, the line, and spaces over
// what a longer previous line left ("ETA 0s" after "ETA 1m05s" must not show
// "ETA 0s05s"). Sets `previous` to the width now drawn.
std::string RedrawLine(std::string_view line, size_t& previous);

}  // namespace tgate::cli
