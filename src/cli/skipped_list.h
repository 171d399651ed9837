// SkippedList: the line `tgate broadcast` prints for the users a broadcast
// skipped (POST /v1/broadcasts' "skipped_users"): the first few, each with
// why, then "and N more". Only the wording; the CLI prints it. Pure.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string>

namespace tgate::cli {

// "skipped: 7 (not linked), 9 (blocked) and 3 more"; "" when `skipped_users`
// is missing, not an array or empty (or `created` is no object). At most `shown` users are named.
std::string SkippedList(const boost::json::value& created, size_t shown = 5);

}  // namespace tgate::cli
