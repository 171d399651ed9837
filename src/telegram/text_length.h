// Message text length as Telegram checks it: Unicode code points of the text
// AFTER entity parsing (HTML tags, Markdown markup and escapes removed),
// compared against 4096 for sendMessage and 1024 for captions
// (botapi-facts.md §6). Mirrors TDLib's parsers closely enough to reject what
// Telegram would reject with "can't parse entities", so a bad message fails
// at the site API instead of in the delivery queue.
// Not an entity extractor: offsets and URLs are not produced, and URL or
// custom-emoji validity is not checked. Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::telegram {

// Telegram's limits on the parsed text, in code points (botapi-facts.md §6).
// The one place tgate writes them down (the emulator keeps its own: it judges
// tgate, see tools/emulator/text_measure.h).
inline constexpr size_t kMaxMessageTextLength = 4096;
inline constexpr size_t kMaxCaptionLength = 1024;
// Raw text longer than this many bytes is refused before parsing ("Text is too long").
inline constexpr size_t kMaxRawMessageTextBytes = 32768;

// The visible text of `text` under `parse_mode` (case-insensitive: "" or
// "none" = plain, "HTML", "MarkdownV2", "Markdown"). Errors:
// InvalidArgument("text must be encoded in UTF-8"),
// InvalidArgument("can't parse entities: ...") for markup Telegram refuses,
// InvalidArgument("Unsupported parse_mode") for any other mode.
Result<std::string> ParsedMessageText(std::string_view text, std::string_view parse_mode);

// CountCodePoints(ParsedMessageText(text, parse_mode)), with the same errors.
Result<size_t> MessageTextLength(std::string_view text, std::string_view parse_mode);

// The individual parsers (REQUIRES: valid UTF-8). Exposed for tests.
Result<std::string> ParseHtmlText(std::string_view text);
Result<std::string> ParseMarkdownV2Text(std::string_view text);
Result<std::string> ParseMarkdownText(std::string_view text);

}  // namespace tgate::telegram
