#include "config/table_reader.h"

#include <algorithm>
#include <cstdio>

#include "core/edit_distance.h"

namespace tgate::config {
namespace {

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "a whole number";
    case toml::node_type::floating_point:
      return "a fractional number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

std::string Whole(long double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0Lf", v);
  return buf;
}

}  // namespace

std::string TableReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* TableReader::Get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return table_.get(key);
}

Status TableReader::RefuseUnread() const {
  for (const auto& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    std::string message =
        "unknown config key '" + PathOf(name) + "' (line " + std::to_string(node.source().begin.line) + ")";
    if (auto close = ClosestWord(name, known_)) {
      message += ": did you mean '" + PathOf(*close) + "'?";
    } else {
      message += "; the keys known here are: ";
      for (size_t i = 0; i < known_.size(); ++i) message += (i ? ", " : "") + known_[i];
    }
    return Status::InvalidArgument(message);
  }
  return Status::Ok();
}

Status TableReader::WrongType(std::string_view key, const toml::node& n, std::string_view expected) const {
  return Status::InvalidArgument("config key '" + PathOf(key) + "' must be " + std::string(expected) +
                                 ", not " + std::string(TypeName(n)) + " (line " +
                                 std::to_string(n.source().begin.line) + ")");
}

Status TableReader::OutOfRange(std::string_view key, int64_t value, long double lo, long double hi) const {
  return Status::InvalidArgument("config key '" + PathOf(key) + "' is " + std::to_string(value) +
                                 ", out of range: it must be " + Whole(lo) + ".." + Whole(hi));
}

}  // namespace tgate::config
