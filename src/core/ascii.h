// ASCII case folding for protocol and configuration words (parse modes, HTML
// tag names, pragma values), which are compared case-insensitively. Not for
// user text: letters outside A-Z are left alone, and no locale is consulted.
#pragma once

#include <string>
#include <string_view>

namespace tgate {

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  }
  return out;
}

}  // namespace tgate
