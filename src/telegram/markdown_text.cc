// ParseMarkdownV2Text and ParseMarkdownText: the visible text of a
// parse_mode=MarkdownV2 / Markdown message, following TDLib's
// parse_markdown_v2 and parse_markdown (MessageEntity.cpp) and the rules
// quoted in botapi-facts.md §6. Markup, escapes and link URLs are dropped;
// link text is kept.
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "telegram/text_length.h"

namespace tgate::telegram {
namespace {

struct Text {
  std::string_view s;
  char operator[](size_t i) const { return i < s.size() ? s[i] : '\0'; }
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == '\v'; }

Status ParseError(std::string what) {
  what.insert(0, "can't parse entities: ");
  return Status::InvalidArgument(std::move(what));
}
std::string At(size_t pos) { return " at byte offset " + std::to_string(pos); }
Status ReservedError(char c) {
  std::string what =
      "can't parse entities: Character '?' is reserved and must be escaped with the preceding '\\'";
  what[what.find('?')] = c;
  return Status::InvalidArgument(std::move(what));
}

// After an opening ``` : skips an optional language word and one leading
// newline (TDLib does the same), leaving i on the first content byte.
size_t SkipPreHeader(Text t, size_t i) {
  size_t language_end = i;
  while (!IsSpace(t[language_end]) && t[language_end] != '`') ++language_end;
  if (language_end != i && language_end < t.s.size() && t[language_end] != '`') i = language_end;
  if (t[i] == '\n' || t[i] == '\r') {
    bool pair = (t[i + 1] == '\n' || t[i + 1] == '\r') && t[i] != t[i + 1];
    i += pair ? 2 : 1;
  }
  return i;
}

enum class Md2 { kBold, kItalic, kUnderline, kStrike, kSpoiler, kCode, kPre, kLink, kEmoji };

struct Open {
  Md2 type;
  size_t byte_offset;
};

// True if `c` at t[i] closes the innermost open entity `type`.
bool ClosesEntity(Md2 type, Text t, size_t i) {
  char c = t[i];
  switch (type) {
    case Md2::kBold:
      return c == '*';
    case Md2::kItalic:
      return c == '_' && t[i + 1] != '_';
    case Md2::kUnderline:
      return c == '_' && t[i + 1] == '_';
    case Md2::kStrike:
      return c == '~';
    case Md2::kSpoiler:
      return c == '|' && t[i + 1] == '|';
    case Md2::kCode:
      return c == '`';
    case Md2::kPre:
      return c == '`' && t[i + 1] == '`' && t[i + 2] == '`';
    case Md2::kLink:
    case Md2::kEmoji:
      return c == ']';
  }
  return false;
}

// Reads the "(...)" after a link's ']' at t[i]; i ends on the ')'.
Status SkipUrl(Text t, size_t& i, bool required, const char* what) {
  if (t[i + 1] != '(') {
    if (required) return ParseError("Custom emoji entity must contain a tg://emoji URL");
    return Status::Ok();  // [text] alone: the text is the URL
  }
  i += 2;
  size_t url_begin = i;
  while (i < t.s.size() && t[i] != ')') {
    bool escaped = t[i] == '\\' && t[i + 1] > 0 && t[i + 1] <= 126;
    i += escaped ? 2 : 1;
  }
  if (t[i] != ')') return ParseError(std::string("Can't find end of ") + what + At(url_begin));
  return Status::Ok();
}

}  // namespace

Result<std::string> ParseMarkdownV2Text(std::string_view text) {
  Text t{text};
  std::string out;
  std::vector<Open> open;
  bool in_expandable_quote = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool in_code = !open.empty() && (open.back().type == Md2::kCode || open.back().type == Md2::kPre);
    // "Any character with code between 1 and 126 inclusively can be escaped anywhere".
    if (c == '\\' && t[i + 1] > 0 && t[i + 1] <= 126) {
      out += text[++i];
      continue;
    }
    // Blockquotes: '>' (or "**>" for an expandable one) at a line start; an
    // expandable quote ends with "||" at the end of its last line.
    bool line_start = i == 0 || text[i - 1] == '\n';
    if (!in_code && line_start && c == '>') continue;
    if (!in_code && line_start && text.substr(i, 3) == "**>") {
      in_expandable_quote = true;
      i += 2;
      continue;
    }
    if (in_expandable_quote && text.substr(i, 2) == "||" && (t[i + 2] == '\n' || i + 2 == text.size()) &&
        (open.empty() || open.back().type != Md2::kSpoiler)) {
      in_expandable_quote = false;
      ++i;
      continue;
    }
    std::string_view reserved = in_code ? "`" : "_*[]()~`>#+-=|{}.!";
    if (reserved.find(c) == std::string_view::npos) {
      out += c;
      continue;
    }
    if (!open.empty() && ClosesEntity(open.back().type, t, i)) {
      Md2 type = open.back().type;
      open.pop_back();
      if (type == Md2::kUnderline || type == Md2::kSpoiler) i += 1;
      if (type == Md2::kPre) i += 2;
      if (type == Md2::kLink) TGATE_RETURN_IF_ERROR(SkipUrl(t, i, false, "a URL"));
      if (type == Md2::kEmoji) TGATE_RETURN_IF_ERROR(SkipUrl(t, i, true, "a custom emoji URL"));
      continue;
    }
    size_t begin = i;
    Md2 type;
    switch (c) {
      case '_':
        type = t[i + 1] == '_' ? Md2::kUnderline : Md2::kItalic;
        if (type == Md2::kUnderline) ++i;
        break;
      case '*':
        type = Md2::kBold;
        break;
      case '~':
        type = Md2::kStrike;
        break;
      case '[':
        type = Md2::kLink;
        break;
      case '|':
        if (t[i + 1] != '|') return ReservedError(c);
        type = Md2::kSpoiler;
        ++i;
        break;
      case '`':
        if (t[i + 1] == '`' && t[i + 2] == '`') {
          type = Md2::kPre;
          i = SkipPreHeader(t, i + 3) - 1;
        } else {
          type = Md2::kCode;
        }
        break;
      case '!':
        if (t[i + 1] == '[') {
          type = Md2::kEmoji;
          ++i;
          break;
        }
        [[fallthrough]];
      default:
        return ReservedError(c);
    }
    open.push_back({type, begin});
  }
  if (!open.empty()) return ParseError("Can't find end of the entity starting" + At(open.back().byte_offset));
  return out;
}

// Legacy Markdown: * _ ` ``` [text](url), no nesting; only _ * ` [ can be
// escaped, and only outside entities (botapi-facts.md §6).
Result<std::string> ParseMarkdownText(std::string_view text) {
  Text t{text};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = t[i + 1];
    if (c == '\\' && (next == '_' || next == '*' || next == '`' || next == '[')) {
      out += text[++i];
      continue;
    }
    if (c != '_' && c != '*' && c != '`' && c != '[') {
      out += c;
      continue;
    }
    size_t begin = i;
    char end_char = c == '[' ? ']' : c;
    bool is_pre = c == '`' && next == '`' && t[i + 2] == '`';
    i = is_pre ? SkipPreHeader(t, i + 3) : i + 1;
    while (i < text.size() && (text[i] != end_char || (is_pre && !(t[i + 1] == '`' && t[i + 2] == '`')))) {
      out += text[i++];
    }
    if (i == text.size()) return ParseError("Can't find end of the entity starting" + At(begin));
    if (is_pre) i += 2;
    if (c == '[' && t[i + 1] == '(') {
      i += 2;
      while (i < text.size() && text[i] != ')') ++i;
    }
  }
  return out;
}

}  // namespace tgate::telegram
