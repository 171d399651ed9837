#include "dispatch/text_splitter.h"

namespace tgate::dispatch {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Byte offset just after `max` code points of `text` (or its size).
size_t PrefixBytes(std::string_view text, size_t max) {
  size_t cps = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(text[i]))) {
      if (cps == max) return i;
      ++cps;
    }
  }
  return text.size();
}

// Where to cut inside text[0, limit): after the last separator, preferring
// paragraphs, then lines, then spaces; `skip` is the separator's length.
size_t ChooseCut(std::string_view text, size_t limit, size_t& skip) {
  std::string_view window = text.substr(0, limit);
  for (std::string_view sep : {std::string_view("\n\n"), std::string_view("\n"), std::string_view(" ")}) {
    size_t at = window.rfind(sep);
    // A cut in the first quarter would make a uselessly small part.
    if (at != std::string_view::npos && at > 0 && at >= limit / 4) {
      skip = sep.size();
      return at;
    }
  }
  skip = 0;
  return limit;
}

}  // namespace

std::vector<std::string> SplitText(std::string_view text, size_t max_code_points) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    size_t limit = PrefixBytes(text, max_code_points);
    if (limit == text.size()) {
      parts.emplace_back(text);
      break;
    }
    size_t skip = 0;
    size_t cut = ChooseCut(text, limit, skip);
    parts.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut + skip);
  }
  return parts;
}

}  // namespace tgate::dispatch
