#include "cli/progress.h"

#include <cstdio>

namespace tgate::cli {

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration; use e.g. 90s, 45m, 8h or 1h30m");
  };
  if (text.empty()) return bad();
  int64_t total = 0, number = 0;
  bool have_digits = false, any_unit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + (c - '0');
      if (number > 100LL * 365 * 86400) return bad();
      have_digits = true;
      continue;
    }
    if (!have_digits) return bad();
    int64_t unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
    if (unit == 0) return bad();
    total += number * unit;
    number = 0;
    have_digits = false;
    any_unit = true;
  }
  if (have_digits) {
    if (any_unit) return bad();  // "1h30" is ambiguous
    total += number;
  }
  return total;
}

std::string FormatEta(int64_t seconds) {
  if (seconds < 0) return "?";
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  }
  return buf;
}

std::string RenderBar(int64_t done, int64_t total, int width) {
  int filled = total <= 0 ? width : static_cast<int>(std::min<int64_t>(done, total) * width / total);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

std::string RedrawLine(std::string_view line, size_t& previous) {
  std::string out = "\r";
  out += line;
  if (line.size() < previous) out.append(previous - line.size(), ' ');
  previous = line.size();
  return out;
}

}  // namespace tgate::cli
