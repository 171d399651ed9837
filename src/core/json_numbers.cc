#include "core/json_numbers.h"

#include <cmath>

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

}  // namespace tgate
