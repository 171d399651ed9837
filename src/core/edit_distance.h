// Edit distance and "did you mean": how close a misspelt word (a config key,
// a log level) is to the words we know, so an error can suggest the right
// one. Levenshtein distance plus swaps of two neighbours (the optimal string
// alignment distance: "inof" is one edit from "info") over bytes (keys and
// levels are ASCII), compared case-insensitively. Pure functions; not a fuzzy search over large sets.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgate {

// Insertions, deletions, substitutions and swaps of neighbours that turn `a`
// into `b`, ignoring ASCII case.
size_t EditDistance(std::string_view a, std::string_view b);

// The known word closest to `word`, if it is close enough to be what was
// meant: at most 1 edit for words up to 4 characters, else at most a third
// of the longer word's length (so `longpolling` finds `long_polling`, `limit`
// finds `limits`, and `foo` finds nothing). Ties go to the first in `known`.
std::optional<std::string> ClosestWord(std::string_view word, const std::vector<std::string>& known);

}  // namespace tgate
