// Array literals: a vector as the text of a PostgreSQL array ('{"a","b"}',
// '{1,2}'), to pass a whole batch as one parameter (`$1::text[]`,
// `$2::bigint[]`, then unnest). Not a general array parser or a COPY encoder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tgate::pg {

// Each element quoted, so any text (commas, quotes, braces, backslashes)
// passes as a text[] parameter.
std::string TextArray(const std::vector<std::string>& values);
std::string BigintArray(const std::vector<int64_t>& values);

}  // namespace tgate::pg
