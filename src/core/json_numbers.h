// JSON numbers: the checks and reads every JSON input shares.
//  - AllNumbersFinite: whether every number in a parsed JSON value is finite.
//    Boost.JSON 1.81 reads a number too large for a double (1e999) as
//    infinity and writes it back as `Infinity`, which is not JSON: a value
//    holding one cannot be stored, forwarded or sent on as JSON. Callers
//    refuse such input where it enters.
//  - JsonInt64 / JsonInt64Field: a JSON integer as int64_t, the one way tgate
//    reads ids, counts and codes from JSON (Telegram's, the site's, the
//    emulator's control API's).
// Not a JSON validator otherwise. Pure functions, any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tgate {

bool AllNumbersFinite(const boost::json::value& v);

// `v` as an int64_t when it is a JSON integer that fits: an int64, or a
// uint64 up to INT64_MAX. Anything else is nullopt: a double (even an
// integral one such as 1.0 or 1e3: Telegram and the site send integers
// without a fraction or exponent), a larger integer, a string, null.
std::optional<int64_t> JsonInt64(const boost::json::value& v);

// JsonInt64 of the field `key` of `obj`; nullopt when obj is null or the
// field is missing.
std::optional<int64_t> JsonInt64Field(const boost::json::object* obj, std::string_view key);
inline std::optional<int64_t> JsonInt64Field(const boost::json::object& obj, std::string_view key) {
  return JsonInt64Field(&obj, key);
}

}  // namespace tgate
