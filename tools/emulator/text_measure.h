// Text measure: the emulator's own reading of a sendMessage text, as the Bot
// API checks it (botapi-facts.md §6): valid UTF-8, a known parse_mode, markup
// the parser accepts, and 1-4096 characters counted in Unicode code points
// after entity parsing (a live probe: 4096 astral emoji, 8192 UTF-16 units,
// are accepted). The emulator judges tgate, so this is written apart from
// tgate's telegram/text_length.h, more simply and where unsure more strictly
// (e.g. a MarkdownV2 or Markdown "[text]" without a URL is refused):
// text_measure_test.cc checks the two agree on tgate's own test texts.
// Not an entity extractor (no offsets, no URL checks). Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::emulator {

// sendMessage's limits, as the emulator enforces them.
inline constexpr size_t kMaxTextCodePoints = 4096;
inline constexpr size_t kMaxRawTextBytes = 32768;  // refused before parsing

// The text a client would show for `text` under `parse_mode` ("" or "none":
// plain; "HTML", "MarkdownV2", "Markdown", any case). Errors, as the Bot API
// words them: "text must be encoded in UTF-8", "Unsupported parse_mode",
// "can't parse entities: ...".
Result<std::string> VisibleText(std::string_view text, std::string_view parse_mode);

// Code points in `utf8` (REQUIRES: valid UTF-8).
size_t CodePoints(std::string_view utf8);

}  // namespace tgate::emulator
