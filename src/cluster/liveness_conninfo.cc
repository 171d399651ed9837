#include "cluster/liveness_conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "pg/connection.h"

namespace tgate::cluster {

Result<std::string> WithLivenessChecks(std::string_view conninfo, std::chrono::milliseconds lease) {
  const std::string text(conninfo);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (options == nullptr) {
    if (error != nullptr) PQfreemem(error);  // may quote the password
    return Status::InvalidArgument("invalid PostgreSQL connection string: " + pg::Redact(conninfo));
  }
  std::set<std::string> set;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) set.insert(o->keyword);
  }
  PQconninfoFree(options);

  // Idle a third of the lease, then 3 probes a sixth apart: a silent peer is
  // dropped after about 5/6 of a lease. Whole seconds, at least 1 (libpq's
  // unit).
  const int64_t lease_s = std::max<int64_t>(1, lease.count() / 1000);
  const std::vector<std::pair<std::string, std::string>> wanted = {
      {"keepalives_idle", std::to_string(std::max<int64_t>(1, lease_s / 3))},
      {"keepalives_interval", std::to_string(std::max<int64_t>(1, lease_s / 6))},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", std::to_string(lease.count())},
  };
  const bool url = pg::IsPostgresUrl(conninfo);
  std::string out = text;
  bool has_query = url && out.find('?') != std::string::npos;
  for (const auto& [key, value] : wanted) {
    if (set.contains(key)) continue;
    if (url) {
      out += has_query ? '&' : '?';
      has_query = true;
    } else if (!out.empty()) {
      out += ' ';
    }
    out += key + "=" + value;
  }
  return out;
}

}  // namespace tgate::cluster
