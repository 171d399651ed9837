#include "store/skipped_users.h"

#include <boost/json.hpp>
#include <set>

namespace tgate::store {

namespace json = boost::json;

std::vector<SkippedUser> SkippedUsersOf(const std::vector<std::string>& requested,
                                        const std::map<std::string, UserStatus>& bindings) {
  std::vector<SkippedUser> out;
  std::set<std::string> seen;
  for (const std::string& user : requested) {
    if (!seen.insert(user).second) continue;
    auto it = bindings.find(user);
    if (it == bindings.end()) {
      out.push_back({user, "not_linked"});
    } else if (it->second != UserStatus::kActive) {
      out.push_back({user, "blocked"});
    }
  }
  return out;
}

std::string SkippedUsersJson(const std::vector<SkippedUser>& skipped) {
  if (skipped.empty()) return "";
  json::array arr;
  arr.reserve(skipped.size());
  for (const SkippedUser& s : skipped) arr.push_back(json::object{{"user", s.user}, {"reason", s.reason}});
  return json::serialize(arr);
}

std::vector<SkippedUser> ParseSkippedUsers(const std::string& text) {
  std::vector<SkippedUser> out;
  if (text.empty()) return out;
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const json::value& e : v.as_array()) {
    const json::object* o = e.if_object();
    if (!o) continue;
    const json::value* user = o->if_contains("user");
    const json::value* reason = o->if_contains("reason");
    if (!user || !reason || !user->is_string() || !reason->is_string()) continue;
    out.push_back({std::string(user->as_string()), std::string(reason->as_string())});
  }
  return out;
}

}  // namespace tgate::store
