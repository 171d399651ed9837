#include "tools/emulator/text_measure.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/status_macros.h"
#include "core/utf8.h"

namespace tgate::emulator {

namespace {

Status CantParse(std::string what) { return Status::InvalidArgument("can't parse entities: " + what); }

std::string At(size_t offset) { return " at byte offset " + std::to_string(offset); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// ---- HTML (core.telegram.org/bots/api#html-style) ----

// A start tag's attributes: name -> value (nullopt for a bare `expandable`).
struct Attribute {
  std::string name;
  std::optional<std::string> value;
};

// Parses `attrs` (what follows the tag name, before '>').
std::optional<std::vector<Attribute>> ParseAttributes(std::string_view attrs) {
  std::vector<Attribute> out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < attrs.size() && (attrs[i] == ' ' || attrs[i] == '\t' || attrs[i] == '\n' || attrs[i] == '\r'))
      ++i;
  };
  for (;;) {
    skip_space();
    if (i >= attrs.size()) return out;
    size_t start = i;
    while (i < attrs.size() &&
           (IsAsciiLetter(attrs[i]) || IsAsciiDigit(attrs[i]) || attrs[i] == '-' || attrs[i] == '_'))
      ++i;
    if (i == start) return std::nullopt;
    Attribute a{Lower(attrs.substr(start, i - start)), std::nullopt};
    skip_space();
    if (i < attrs.size() && attrs[i] == '=') {
      ++i;
      skip_space();
      if (i >= attrs.size()) return std::nullopt;
      if (attrs[i] == '"' || attrs[i] == '\'') {
        char quote = attrs[i++];
        size_t end = attrs.find(quote, i);
        if (end == std::string_view::npos) return std::nullopt;
        a.value = std::string(attrs.substr(i, end - i));
        i = end + 1;
      } else {
        size_t end = i;
        while (end < attrs.size() && attrs[end] != ' ' && attrs[end] != '\t') ++end;
        a.value = std::string(attrs.substr(i, end - i));
        i = end;
      }
    }
    out.push_back(std::move(a));
  }
}

const std::optional<std::string>* Find(const std::vector<Attribute>& attrs, std::string_view name) {
  for (const Attribute& a : attrs) {
    if (a.name == name) return &a.value;
  }
  return nullptr;
}

// Whether a start tag `name` with `attrs` is one Telegram supports.
bool SupportedStartTag(const std::string& name, const std::vector<Attribute>& attrs) {
  static constexpr const char* kPlain[] = {"b",      "strong", "i",          "em",   "u",   "ins",       "s",
                                           "strike", "del",    "tg-spoiler", "code", "pre", "blockquote"};
  for (const char* t : kPlain) {
    if (name == t) return true;
  }
  auto has_value = [&](std::string_view attr) {
    const std::optional<std::string>* v = Find(attrs, attr);
    return v != nullptr && v->has_value() && !(*v)->empty();
  };
  if (name == "a") return has_value("href");
  if (name == "tg-emoji") return has_value("emoji-id");
  if (name == "span") {
    const std::optional<std::string>* v = Find(attrs, "class");
    return v != nullptr && v->has_value() && **v == "tg-spoiler";
  }
  return false;
}

// The end of a tag starting at `lt` ('<'): the index of its '>' outside quotes.
std::optional<size_t> TagEnd(std::string_view s, size_t lt) {
  char quote = 0;
  for (size_t i = lt + 1; i < s.size(); ++i) {
    if (quote != 0) {
      if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '>') {
      return i;
    }
  }
  return std::nullopt;
}

// Decodes the character reference at s[i] == '&' into `out`; returns the
// index after it. An unknown name, or a reference to U+0000, stays text.
Result<size_t> DecodeReference(std::string_view s, size_t i, std::string& out) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    size_t digits = j;
    uint64_t cp = 0;
    while (j < s.size()) {
      char c = s[j];
      int d = IsAsciiDigit(c)               ? c - '0'
              : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : -1;
      if (d < 0) break;
      cp = std::min<uint64_t>(cp * (hex ? 16 : 10) + d, 0x110000);
      ++j;
    }
    if (j == digits || cp == 0) {
      out += '&';
      return i + 1;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return CantParse("Invalid character reference" + At(i));
    }
    AppendUtf8(out, static_cast<uint32_t>(cp));
    return j < s.size() && s[j] == ';' ? j + 1 : j;
  }
  size_t start = j;
  while (j < s.size() && IsAsciiLetter(s[j])) ++j;
  std::string_view name = s.substr(start, j - start);
  char decoded = name == "lt" ? '<' : name == "gt" ? '>' : name == "amp" ? '&' : name == "quot" ? '"' : 0;
  if (decoded == 0) {
    out += '&';
    return i + 1;
  }
  out += decoded;
  return j < s.size() && s[j] == ';' ? j + 1 : j;
}

Result<std::string> HtmlVisible(std::string_view s) {
  std::string out;
  std::vector<std::string> open;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '&') {
      TGATE_ASSIGN_OR_RETURN(auto next, DecodeReference(s, i, out));
      i = next;
      continue;
    }
    if (c != '<') {
      out += c;
      ++i;
      continue;
    }
    std::optional<size_t> gt = TagEnd(s, i);
    bool end_tag = i + 1 < s.size() && s[i + 1] == '/';
    if (!gt) return CantParse(std::string(end_tag ? "Unclosed end tag" : "Unclosed start tag") + At(i));
    std::string_view inner = s.substr(i + 1, *gt - i - 1);
    if (end_tag) {
      std::string name = Lower(inner.substr(1));
      while (!name.empty() && name.back() == ' ') name.pop_back();
      if (open.empty() || (!name.empty() && name != open.back())) {
        return CantParse("Unmatched end tag \"" + name + "\"" + At(i));
      }
      open.pop_back();
    } else {
      size_t name_end = 0;
      while (name_end < inner.size() && (IsAsciiLetter(inner[name_end]) || inner[name_end] == '-'))
        ++name_end;
      if (name_end == 0) return CantParse("Unsupported character after '<'" + At(i));
      std::string name = Lower(inner.substr(0, name_end));
      auto attrs = ParseAttributes(inner.substr(name_end));
      if (!attrs || !SupportedStartTag(name, *attrs)) {
        return CantParse("Unsupported start tag \"" + name + "\"" + At(i));
      }
      open.push_back(std::move(name));
    }
    i = *gt + 1;
  }
  if (!open.empty())
    return CantParse("Can't find end tag corresponding to start tag \"" + open.back() + "\"");
  return out;
}

// ---- MarkdownV2 (core.telegram.org/bots/api#markdownv2-style) ----

Status Reserved(char c) {
  return CantParse(std::string("Character '") + c +
                   "' is reserved and must be escaped with the preceding '\\'");
}

// Reads an escaped run up to the closing `close` starting at s[i]; '\'
// escapes the next character. Returns the index of `close`, or nullopt.
std::optional<size_t> FindClosing(std::string_view s, size_t i, std::string_view close,
                                  std::string* content) {
  while (i < s.size()) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      if (content) *content += s[i + 1];
      i += 2;
      continue;
    }
    if (s.substr(i, close.size()) == close) return i;
    if (content) *content += s[i];
    ++i;
  }
  return std::nullopt;
}

// A pre block's content: a first line (the language) is dropped with its
// newline when the block has one.
std::string PreContent(std::string raw) {
  size_t nl = raw.find('\n');
  return nl == std::string::npos ? raw : raw.substr(nl + 1);
}

Result<std::string> MarkdownV2Visible(std::string_view s) {
  std::string out;
  std::vector<std::string> open;  // "*", "_", "__", "~", "||", "[", "!["
  bool line_start = true;
  bool expandable_quote = false;
  // Opens `marker`, or closes it when it is the innermost open entity.
  auto toggle = [&](const std::string& marker, size_t at) -> Status {
    if (!open.empty() && open.back() == marker) {
      open.pop_back();
      return Status::Ok();
    }
    if (std::find(open.begin(), open.end(), marker) != open.end()) {
      return CantParse("Entities \"" + marker + "\" are not properly nested" + At(at));
    }
    open.push_back(marker);
    return Status::Ok();
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (line_start) {
      line_start = false;
      if (c == '>') {
        ++i;
        continue;
      }
      if (s.substr(i, 3) == "**>") {
        expandable_quote = true;
        i += 3;
        continue;
      }
    }
    if (c == '\\') {
      if (i + 1 >= s.size() || s[i + 1] < 1 || s[i + 1] > 126) return Reserved('\\');
      out += s[i + 1];
      i += 2;
      continue;
    }
    if (c == '\n') {
      out += c;
      line_start = true;
      ++i;
      continue;
    }
    if (c == '`') {
      bool pre = s.substr(i, 3) == "```";
      std::string content;
      auto close = FindClosing(s, i + (pre ? 3 : 1), pre ? "```" : "`", &content);
      if (!close)
        return CantParse("Can't find end of " + std::string(pre ? "pre" : "code") + " entity" + At(i));
      out += pre ? PreContent(std::move(content)) : content;
      i = *close + (pre ? 3 : 1);
      continue;
    }
    Status st;
    if (c == '*' || c == '~') {
      st = toggle(std::string(1, c), i);
      i += 1;
    } else if (c == '_') {
      bool underline = i + 1 < s.size() && s[i + 1] == '_';
      st = toggle(underline ? "__" : "_", i);
      i += underline ? 2 : 1;
    } else if (c == '|') {
      if (i + 1 >= s.size() || s[i + 1] != '|') return Reserved('|');
      bool ends_line = i + 2 == s.size() || s[i + 2] == '\n';
      bool spoiler_open = std::find(open.begin(), open.end(), "||") != open.end();
      if (expandable_quote && ends_line && !spoiler_open) {
        expandable_quote = false;
      } else {
        st = toggle("||", i);
      }
      i += 2;
    } else if (c == '[' || (c == '!' && i + 1 < s.size() && s[i + 1] == '[')) {
      open.push_back(c == '[' ? "[" : "![");
      i += c == '[' ? 1 : 2;
    } else if (c == ']') {
      if (open.empty() || (open.back() != "[" && open.back() != "![")) return Reserved(']');
      bool emoji = open.back() == "![";
      open.pop_back();
      if (i + 1 >= s.size() || s[i + 1] != '(') {
        return CantParse(std::string(emoji ? "Custom emoji entity" : "Text link") + " must have a URL" +
                         At(i));
      }
      std::string url;
      auto close = FindClosing(s, i + 2, ")", &url);
      if (!close) return CantParse("Can't find end of a URL" + At(i + 1));
      if (url.empty()) return CantParse("Empty URL" + At(i + 1));
      i = *close + 1;
    } else if (std::strchr("()>#+-={}.!", c) != nullptr) {
      return Reserved(c);
    } else {
      out += c;
      ++i;
    }
    if (!st.ok()) return st;
  }
  if (!open.empty()) return CantParse("Can't find end of the entity \"" + open.back() + "\"");
  return out;
}

// ---- Markdown, legacy (core.telegram.org/bots/api#markdown-style) ----

Result<std::string> MarkdownVisible(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size() && std::strchr("_*`[", s[i + 1]) != nullptr) {
      out += s[i + 1];
      i += 2;
      continue;
    }
    if (c == '*' || c == '_') {  // no nesting: everything up to the closing one is text
      size_t close = s.find(c, i + 1);
      if (close == std::string_view::npos) return CantParse("Can't find end of the entity" + At(i));
      out += s.substr(i + 1, close - i - 1);
      i = close + 1;
      continue;
    }
    if (c == '`') {
      bool pre = s.substr(i, 3) == "```";
      size_t from = i + (pre ? 3 : 1);
      size_t close = s.find(pre ? "```" : "`", from);
      if (close == std::string_view::npos) return CantParse("Can't find end of the entity" + At(i));
      std::string content(s.substr(from, close - from));
      out += pre ? PreContent(std::move(content)) : content;
      i = close + (pre ? 3 : 1);
      continue;
    }
    if (c == '[') {
      size_t close = s.find(']', i + 1);
      if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != '(') {
        return CantParse("Can't find end of the entity" + At(i));
      }
      size_t url_end = s.find(')', close + 2);
      if (url_end == std::string_view::npos) return CantParse("Can't find end of a URL" + At(close + 1));
      out += s.substr(i + 1, close - i - 1);
      i = url_end + 1;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

Result<std::string> VisibleText(std::string_view text, std::string_view parse_mode) {
  if (!IsUtf8(text)) return Status::InvalidArgument("text must be encoded in UTF-8");
  const std::string mode = Lower(parse_mode);
  if (mode.empty() || mode == "none") return std::string(text);
  if (mode == "html") return HtmlVisible(text);
  if (mode == "markdownv2") return MarkdownV2Visible(text);
  if (mode == "markdown") return MarkdownVisible(text);
  return Status::InvalidArgument("Unsupported parse_mode");
}

size_t CodePoints(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte.
  return static_cast<size_t>(std::count_if(
      utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace tgate::emulator
