// AllNumbersFinite: whether every number in a parsed JSON value is finite.
// Boost.JSON 1.81 reads a number too large for a double (1e999) as infinity
// and writes it back as `Infinity`, which is not JSON: a value holding one
// cannot be stored, forwarded or sent on as JSON. Callers refuse such input
// where it enters. Not a JSON validator otherwise. Pure function, any thread.
#pragma once

#include <boost/json/value.hpp>

namespace tgate {

bool AllNumbersFinite(const boost::json::value& v);

}  // namespace tgate
