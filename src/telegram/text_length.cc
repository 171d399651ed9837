// Parse-mode dispatch for MessageTextLength (see text_length.h). The parsers
// live in html_text.cc and markdown_text.cc.
#include "telegram/text_length.h"

#include "core/ascii.h"
#include "core/status_macros.h"
#include "core/utf8.h"

namespace tgate::telegram {

Result<std::string> ParsedMessageText(std::string_view text, std::string_view parse_mode) {
  if (!IsValidUtf8(text)) return Status::InvalidArgument("text must be encoded in UTF-8");
  // The Bot API server lowercases parse_mode; "" and "none" mean plain text
  // (botapi-facts.md §6).
  std::string mode = AsciiLower(parse_mode);
  if (mode.empty() || mode == "none") return std::string(text);
  if (mode == "html") return ParseHtmlText(text);
  if (mode == "markdownv2") return ParseMarkdownV2Text(text);
  if (mode == "markdown") return ParseMarkdownText(text);
  return Status::InvalidArgument("Unsupported parse_mode");
}

Result<size_t> MessageTextLength(std::string_view text, std::string_view parse_mode) {
  TGATE_ASSIGN_OR_RETURN(auto parsed, ParsedMessageText(text, parse_mode));
  return CountCodePoints(parsed);
}

}  // namespace tgate::telegram
