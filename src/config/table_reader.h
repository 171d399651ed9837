// TableReader: reads the keys of one TOML table for the config parser and
// remembers every key it was asked for, so that whatever else the table holds
// (a misspelt or unknown key: `longpolling`, `[bots.limit]`) is refused with
// its full path and a "did you mean" (RefuseUnread). The parser's own reads
// are thus the one list of known keys; there is no second list to drift.
// Values of the wrong type, or numbers out of the field's range, are refused
// naming the key's path too. Internal to the config parser; not thread-safe.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/status.h"

namespace tgate::config {

class TableReader {
 public:
  // `path`: where the table sits, "" for the root, else e.g. "bots[0]" or
  // "bots[0].limits". `table` must outlive the reader.
  TableReader(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  // The full path of `key` in this table, e.g. "bots[0].long_polling".
  std::string PathOf(std::string_view key) const;

  // The node at `key` (nullptr when absent), marking `key` known.
  const toml::node* Get(std::string_view key);

  // Reads an optional key into `out` (left alone when absent). A value of
  // another type, or a number `out` cannot hold, is an error naming the key.
  template <typename T>
  Status Read(std::string_view key, T& out);

  // InvalidArgument naming the first key that was never asked for (with the
  // closest known key, if one is close); OK when there is none.
  Status RefuseUnread() const;

 private:
  Status WrongType(std::string_view key, const toml::node& n, std::string_view expected) const;
  Status OutOfRange(std::string_view key, int64_t value, long double lo, long double hi) const;

  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_;
};

template <typename T>
Status TableReader::Read(std::string_view key, T& out) {
  const toml::node* n = Get(key);
  if (!n) return Status::Ok();
  if constexpr (std::is_same_v<T, bool>) {
    if (auto v = n->value_exact<bool>()) {
      out = *v;
      return Status::Ok();
    }
    return WrongType(key, *n, "true or false");
  } else if constexpr (std::is_floating_point_v<T>) {
    // An integer is a fine number of messages per second (30 as well as 25.5).
    if (n->is_integer() || n->is_floating_point()) {
      out = static_cast<T>(*n->value<double>());
      return Status::Ok();
    }
    return WrongType(key, *n, "a number");
  } else if constexpr (std::is_integral_v<T>) {
    auto v = n->value_exact<int64_t>();
    if (!v) return WrongType(key, *n, "a whole number");
    // Converting a number T cannot hold would silently change it (a negative
    // size becomes huge): refused instead.
    const long double lo = static_cast<long double>(std::numeric_limits<T>::min());
    const long double hi = static_cast<long double>(std::numeric_limits<T>::max());
    if (static_cast<long double>(*v) < lo || static_cast<long double>(*v) > hi) {
      return OutOfRange(key, *v, lo, hi);
    }
    out = static_cast<T>(*v);
    return Status::Ok();
  } else {
    if (auto v = n->value_exact<std::string>()) {
      out = *v;
      return Status::Ok();
    }
    return WrongType(key, *n, "a string (in quotes)");
  }
}

}  // namespace tgate::config
