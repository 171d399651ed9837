// Fuzzes the MarkdownV2 and legacy Markdown parsers and the text length
// (telegram/text_length.h): the first byte picks the mode (even: MarkdownV2,
// odd: Markdown), the rest is the message text. Invariants, for valid UTF-8:
// the visible text is valid UTF-8 and never longer than the input; the length
// counts exactly it; the visible text, escaped for the mode (and, for
// MarkdownV2, wrapped in bold), parses back to itself.
#include <string>

#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "telegram/text_length.h"

namespace {

std::string EscapeMarkdownV2(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("_*[]()~`>#+-=|{}.!\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string EscapeMarkdown(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '*' || c == '`' || c == '[') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tg = tgate::telegram;
  if (size < 1) return 0;
  const bool v2 = (data[0] & 1) == 0;
  std::string_view mode = v2 ? "MarkdownV2" : "Markdown";
  std::string_view text = tgate::fuzz::AsText(data + 1, size - 1);
  auto parsed = tg::ParsedMessageText(text, mode);
  auto length = tg::MessageTextLength(text, v2 ? "markdownv2" : "MARKDOWN");
  FUZZ_CHECK(parsed.ok() == length.ok());
  if (!tgate::IsValidUtf8(text)) {
    FUZZ_CHECK(!parsed.ok() && parsed.status().message() == "text must be encoded in UTF-8");
    return 0;
  }
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == tgate::Code::kInvalidArgument);
    FUZZ_CHECK(parsed.status().message().rfind("can't parse entities: ", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(tgate::IsValidUtf8(*parsed));
  FUZZ_CHECK(parsed->size() <= text.size());
  FUZZ_CHECK(*length == tgate::CountCodePoints(*parsed));

  if (v2) {
    auto reparsed = tg::ParseMarkdownV2Text("*" + EscapeMarkdownV2(*parsed) + "*");
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(*reparsed == *parsed);
  } else {
    auto reparsed = tg::ParseMarkdownText(EscapeMarkdown(*parsed));
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(*reparsed == *parsed);
  }
  return 0;
}
