// ParseHtmlText: the visible text of a parse_mode=HTML message, following
// TDLib's parse_html (MessageEntity.cpp do_parse_html): only the tags listed in
// botapi-facts.md §6 are allowed, `&lt; &gt; &amp; &quot;` and numeric
// references are decoded, and anything else after '&' stays literal (as in
// TDLib, which keeps unknown entities such as "&nbsp;" as text).
#include <string>
#include <vector>

#include "core/ascii.h"
#include "core/status_macros.h"
#include "core/utf8.h"
#include "telegram/text_length.h"

namespace tgate::telegram {
namespace {

// Reads past the end as '\0', like TDLib's NUL-terminated CSlice.
struct Text {
  std::string_view s;
  char operator[](size_t i) const { return i < s.size() ? s[i] : '\0'; }
};

bool IsSpace(char c) {  // td::is_space: the terminator counts as space
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool IsHex(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
int HexValue(char c) { return IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

// Decodes the character reference at t[pos] == '&' and advances pos past it
// (the ';' is optional, as in TDLib); returns 0 if it is not one.
uint32_t DecodeEntity(Text t, size_t& pos) {
  size_t end = pos + 1;
  uint32_t cp = 0;
  if (t[end] == '#') {
    ++end;
    bool hex = t[end] == 'x' || t[end] == 'X';
    if (hex) ++end;
    while (hex ? IsHex(t[end]) : IsDigit(t[end])) {
      cp = cp * (hex ? 16 : 10) + (hex ? HexValue(t[end]) : t[end] - '0');
      if (cp >= 0x10FFFF) return 0;
      ++end;
    }
    if (cp == 0 || end - pos >= 10) return 0;
  } else {
    while (IsAlpha(t[end])) ++end;
    std::string_view name = t.s.substr(pos + 1, end - pos - 1);
    if (name == "lt")
      cp = '<';
    else if (name == "gt")
      cp = '>';
    else if (name == "amp")
      cp = '&';
    else if (name == "quot")
      cp = '"';
    else
      return 0;
  }
  pos = t[end] == ';' ? end + 1 : end;
  return cp;
}

bool IsSupportedTag(std::string_view tag) {
  static constexpr std::string_view kTags[] = {
      "a",      "b",   "strong",     "i",    "em",       "u",    "ins", "s",
      "strike", "del", "tg-spoiler", "span", "tg-emoji", "code", "pre", "blockquote"};
  for (auto known : kTags) {
    if (tag == known) return true;
  }
  return false;
}

Status ParseError(std::string what) {
  what.insert(0, "can't parse entities: ");
  return Status::InvalidArgument(std::move(what));
}

std::string At(size_t pos) { return " at byte offset " + std::to_string(pos); }

// Parses the attributes of a start tag from t[i] up to its '>'; leaves i on
// the '>'. Enforces the attributes some tags require.
Status ParseAttributes(Text t, size_t& i, const std::string& tag, size_t begin) {
  std::string span_class;
  bool has_emoji_id = false;
  while (t[i] != '>') {
    while (t[i] != '\0' && IsSpace(t[i])) ++i;
    if (t[i] == '>') break;
    if (i >= t.s.size()) return ParseError("Unclosed start tag" + At(begin));
    size_t name_begin = i;
    while (!IsSpace(t[i]) && t[i] != '=' && t[i] != '>') ++i;
    std::string name = AsciiLower(t.s.substr(name_begin, i - name_begin));
    if (name.empty()) return ParseError("Empty attribute name in the tag \"" + tag + "\"" + At(begin));
    while (t[i] != '\0' && IsSpace(t[i])) ++i;
    if (t[i] != '=') {
      if (tag == "blockquote" && name == "expandable") continue;  // boolean attribute
      return ParseError("Expected equal sign in declaration of an attribute of the tag \"" + tag + "\"" +
                        At(begin));
    }
    ++i;
    while (t[i] != '\0' && IsSpace(t[i])) ++i;
    if (i >= t.s.size()) return ParseError("Unclosed start tag \"" + tag + "\"" + At(begin));
    std::string value;
    if (t[i] != '\'' && t[i] != '"') {
      // A name token: letters, digits, periods or hyphens.
      size_t token_begin = i;
      while (IsAlpha(t[i]) || IsDigit(t[i]) || t[i] == '.' || t[i] == '-') ++i;
      value = AsciiLower(t.s.substr(token_begin, i - token_begin));
      if (!IsSpace(t[i]) && t[i] != '>') return ParseError("Unexpected end of name token" + At(token_begin));
    } else {
      char quote = t[i++];
      while (i < t.s.size() && t[i] != quote) {
        if (t[i] == '&') {
          if (uint32_t cp = DecodeEntity(t, i)) {
            AppendUtf8(value, cp);
            continue;
          }
        }
        value += t[i++];
      }
      if (t[i] == quote) ++i;
    }
    if (i >= t.s.size()) return ParseError("Unclosed start tag" + At(begin));
    if (tag == "span" && name == "class") span_class = value;
    if (tag == "tg-emoji" && name == "emoji-id") {
      has_emoji_id = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    }
  }
  if (tag == "span" && span_class != "tg-spoiler") {
    return ParseError("Tag \"span\" must have class \"tg-spoiler\"" + At(begin));
  }
  if (tag == "tg-emoji" && !has_emoji_id) {
    return ParseError("Custom emoji entity must contain a valid custom emoji identifier" + At(begin));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ParseHtmlText(std::string_view text) {
  Text t{text};
  std::string out;
  std::vector<std::string> open;  // tag names, innermost last
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '&') {
      size_t pos = i;
      if (uint32_t cp = DecodeEntity(t, pos)) {
        // A reference to a surrogate makes the text invalid UTF-16/UTF-8.
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          return ParseError("Text contains invalid Unicode characters after decoding HTML entities");
        }
        AppendUtf8(out, cp);
        i = pos - 1;
        continue;
      }
    }
    if (c != '<') {
      out += c;
      continue;
    }
    size_t begin = i++;
    if (t[i] != '/') {
      while (!IsSpace(t[i]) && t[i] != '>') ++i;
      if (i >= text.size()) return ParseError("Unclosed start tag" + At(begin));
      std::string tag = AsciiLower(text.substr(begin + 1, i - begin - 1));
      if (!IsSupportedTag(tag)) return ParseError("Unsupported start tag \"" + tag + "\"" + At(begin));
      TGATE_RETURN_IF_ERROR(ParseAttributes(t, i, tag, begin));
      open.push_back(std::move(tag));
      continue;
    }
    if (open.empty()) return ParseError("Unexpected end tag" + At(begin));
    while (!IsSpace(t[i]) && t[i] != '>') ++i;
    std::string end_tag = AsciiLower(text.substr(begin + 2, i - begin - 2));
    while (i < text.size() && IsSpace(t[i])) ++i;
    if (t[i] != '>') return ParseError("Unclosed end tag" + At(begin));
    if (!end_tag.empty() && end_tag != open.back()) {
      return ParseError("Unmatched end tag" + At(begin) + ", expected \"</" + open.back() +
                        ">\", found \"</" + end_tag + ">\"");
    }
    open.pop_back();
  }
  if (!open.empty())
    return ParseError("Can't find end tag corresponding to start tag \"" + open.back() + "\"");
  return out;
}

}  // namespace tgate::telegram
