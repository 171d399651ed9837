#include "core/json_numbers.h"

#include <cmath>
#include <limits>

namespace tgate {

bool AllNumbersFinite(const boost::json::value& v) {
  // Recursion is bounded by the parser's max_depth (32 by default).
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const boost::json::value& e : v.get_array()) {
        if (!AllNumbersFinite(e)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (!AllNumbersFinite(kv.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

std::optional<int64_t> JsonInt64(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

std::optional<int64_t> JsonInt64Field(const boost::json::object* obj, std::string_view key) {
  if (obj == nullptr) return std::nullopt;
  const boost::json::value* v = obj->if_contains(key);
  if (v == nullptr) return std::nullopt;
  return JsonInt64(*v);
}

}  // namespace tgate
