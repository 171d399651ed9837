#include "cli/skipped_list.h"

namespace tgate::cli {

namespace json = boost::json;

std::string SkippedList(const json::value& created, size_t shown) {
  const json::object* o = created.if_object();
  const json::value* v = o ? o->if_contains("skipped_users") : nullptr;
  if (!v || !v->is_array() || v->as_array().empty()) return "";
  const json::array& users = v->as_array();
  std::string out = "skipped: ";
  size_t named = 0;
  for (const json::value& e : users) {
    if (named == shown) break;
    const json::object* entry = e.if_object();
    if (!entry) continue;
    const json::value* user = entry->if_contains("user");
    const json::value* reason = entry->if_contains("reason");
    if (named > 0) out += ", ";
    out += user && user->is_string() ? std::string(user->as_string()) : "?";
    if (reason && reason->is_string()) {
      std::string why(reason->as_string());
      for (char& c : why) {
        if (c == '_') c = ' ';
      }
      out += " (" + why + ")";
    }
    ++named;
  }
  if (users.size() > named) out += " and " + std::to_string(users.size() - named) + " more";
  return out;
}

}  // namespace tgate::cli
