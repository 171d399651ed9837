// SplitText: cuts plain text longer than Telegram's 4096 characters (code
// points; botapi-facts.md §6) into parts that each fit, preferring paragraph
// boundaries ("\n\n"), then line breaks, then spaces, and only then a hard cut
// — never inside a UTF-8 sequence. The separator at a cut is dropped, since
// Telegram trims it anyway. For plain text only: formatted text is refused at
// submission (api/message_request.h) because a cut could break its markup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "telegram/text_length.h"

namespace tgate::dispatch {

// A part is at most one Telegram message.
inline constexpr size_t kMaxPartCodePoints = telegram::kMaxMessageTextLength;

std::vector<std::string> SplitText(std::string_view text, size_t max_code_points = kMaxPartCodePoints);

}  // namespace tgate::dispatch
