#include "core/edit_distance.h"

#include <algorithm>

#include "core/ascii.h"

namespace tgate {

size_t EditDistance(std::string_view a_in, std::string_view b_in) {
  const std::string a = AsciiLower(a_in);
  const std::string b = AsciiLower(b_in);
  // The Wagner-Fischer table, three rows at a time (a swap looks two back).
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[b.size()];
}

std::optional<std::string> ClosestWord(std::string_view word, const std::vector<std::string>& known) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& k : known) {
    const size_t d = EditDistance(word, k);
    const size_t longer = std::max(word.size(), k.size());
    const size_t allowed = longer <= 4 ? 1 : longer / 3;
    if (d > allowed) continue;
    if (!best || d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace tgate
