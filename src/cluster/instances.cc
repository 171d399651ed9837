#include "cluster/instances.h"

namespace tgate::cluster {
namespace {

// One row per (instance, bot held), or one with a NULL bot for an instance
// that holds none.
constexpr char kList[] =
    "SELECT i.id, i.listen, (extract(epoch FROM now() - i.heartbeat_at) * 1000)::bigint, l.bot "
    "FROM instances i LEFT JOIN bot_leases l ON l.owner = i.id AND l.expires_at > now() "
    "WHERE i.heartbeat_at > now() - $1::bigint * interval '1 millisecond' AND NOT i.draining "
    "ORDER BY i.id, l.bot";

}  // namespace

Awaitable<Result<std::vector<InstanceInfo>>> ListInstances(pg::Pool& pool, std::chrono::milliseconds lease) {
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool.Get());
  // Arguments of a co_await'ed call are named: GCC 12 mishandles temporaries there.
  pg::Params params;
  params.Add(int64_t{lease.count()});
  TGATE_CO_ASSIGN_OR_RETURN(pg::Rows rows, co_await c->Query(kList, params));
  std::vector<InstanceInfo> out;
  for (int r = 0; r < rows.size(); ++r) {
    if (out.empty() || out.back().id != rows.Text(r, 0)) {
      InstanceInfo info;
      info.id = rows.Text(r, 0);
      info.listen = rows.Text(r, 1);
      info.heartbeat_age = std::chrono::milliseconds(rows.Int64(r, 2));
      out.push_back(std::move(info));
    }
    if (!rows.IsNull(r, 3)) out.back().bots.emplace_back(rows.Text(r, 3));
  }
  co_return out;
}

}  // namespace tgate::cluster
