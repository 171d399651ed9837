// Fuzzes the HTML entity parser and the text length (telegram/text_length.h)
// with a message text sent with parse_mode=HTML. Invariants, for valid UTF-8:
// the visible text is valid UTF-8 and never has more code points than the
// input; MessageTextLength counts exactly it, whatever the case of the mode;
// the visible text, escaped and wrapped in <b>, parses back to itself.
// Errors are "can't parse entities" (400 for the site), never anything else.
#include <string>

#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "telegram/text_length.h"

namespace {

std::string EscapeHtml(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tg = tgate::telegram;
  std::string_view text = tgate::fuzz::AsText(data, size);
  auto parsed = tg::ParsedMessageText(text, "HTML");
  auto length = tg::MessageTextLength(text, "html");
  FUZZ_CHECK(parsed.ok() == length.ok());
  if (!tgate::IsValidUtf8(text)) {
    FUZZ_CHECK(!parsed.ok() && parsed.status().message() == "text must be encoded in UTF-8");
    return 0;
  }
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == tgate::Code::kInvalidArgument);
    FUZZ_CHECK(parsed.status().message().rfind("can't parse entities: ", 0) == 0);
    FUZZ_CHECK(length.status().message() == parsed.status().message());
    return 0;
  }
  FUZZ_CHECK(tgate::IsValidUtf8(*parsed));
  FUZZ_CHECK(*length == tgate::CountCodePoints(*parsed));
  FUZZ_CHECK(*length <= tgate::CountCodePoints(text));

  std::string again = "<b>" + EscapeHtml(*parsed) + "</b>";
  auto reparsed = tg::ParseHtmlText(again);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == *parsed);
  return 0;
}
