#include "cluster/lease_table.h"

#include <algorithm>

#include "pg/array_literal.h"

namespace tgate::cluster {
namespace {

// `$n::bigint * interval '1 millisecond'`: durations pass as milliseconds.
// A row inserted (xmax = 0: not an update) is an instance joining: the
// others are told at once, so they rebalance now rather than at their beat.
constexpr char kUpsertInstance[] =
    "WITH up AS (INSERT INTO instances (id, listen) VALUES ($1, $2) "
    "  ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), listen = EXCLUDED.listen "
    "  RETURNING (xmax = 0) AS joined) "
    "SELECT pg_notify('tgate_leases', $1) FROM up WHERE up.joined";

constexpr char kForgetSilent[] =
    "DELETE FROM instances WHERE heartbeat_at < now() - $1::bigint * interval '1 millisecond'";

constexpr char kLiveInstances[] =
    "SELECT id FROM instances "
    "WHERE heartbeat_at > now() - $1::bigint * interval '1 millisecond' AND NOT draining ORDER BY id";

// Renews only the leases still held at the epoch this instance knows.
constexpr char kRenew[] =
    "WITH held AS (SELECT l.bot FROM bot_leases l "
    "  JOIN unnest($2::text[], $3::bigint[]) AS mine(bot, epoch) ON l.bot = mine.bot AND l.epoch = "
    "mine.epoch "
    "  WHERE l.owner = $1 ORDER BY l.bot FOR NO KEY UPDATE OF l) "
    "UPDATE bot_leases l SET expires_at = now() + $4::bigint * interval '1 millisecond' "
    "FROM held WHERE l.bot = held.bot RETURNING l.bot, l.epoch";

constexpr char kInsertMissing[] =
    "INSERT INTO bot_leases (bot) SELECT b FROM unnest($1::text[]) AS b ORDER BY b "
    "ON CONFLICT (bot) DO NOTHING";

// SKIP LOCKED: a row locked by someone else is left for the next pass. Its
// owner's outcome batch (tgate_fence's FOR SHARE) or renewal holds it, and a
// takeover must not slip in before that commits; waiting for it instead would
// stall this pass, and with it the renewals of every other bot held here.
constexpr char kAcquire[] =
    "WITH free AS (SELECT bot FROM bot_leases "
    "  WHERE bot = ANY($1::text[]) AND (owner IS NULL OR owner = $2 OR expires_at < now()) "
    "  ORDER BY bot FOR NO KEY UPDATE SKIP LOCKED) "
    "UPDATE bot_leases l SET owner = $2, epoch = l.epoch + 1, "
    "  expires_at = now() + $3::bigint * interval '1 millisecond' "
    "FROM free WHERE l.bot = free.bot RETURNING l.bot, l.epoch";

// pg_notify once per row: PostgreSQL folds identical notifications of one
// transaction into one, sent at commit.
constexpr char kRelease[] =
    "WITH mine AS (SELECT bot FROM bot_leases WHERE owner = $1 AND bot = ANY($2::text[]) "
    "  ORDER BY bot FOR NO KEY UPDATE), "
    "freed AS (UPDATE bot_leases l SET owner = NULL, expires_at = now() FROM mine "
    "  WHERE l.bot = mine.bot RETURNING l.bot) "
    "SELECT bot, pg_notify('tgate_leases', $1) FROM freed";

constexpr char kReleaseAll[] =
    "WITH mine AS (SELECT bot FROM bot_leases WHERE owner = $1 ORDER BY bot FOR NO KEY UPDATE), "
    "freed AS (UPDATE bot_leases l SET owner = NULL, expires_at = now() FROM mine "
    "  WHERE l.bot = mine.bot RETURNING l.bot) "
    "SELECT bot FROM freed";

constexpr char kDeleteInstance[] = "DELETE FROM instances WHERE id = $1";
constexpr char kNotify[] = "SELECT pg_notify('tgate_leases', $1)";
constexpr char kMarkDraining[] = "UPDATE instances SET draining = true WHERE id = $1";

std::vector<Lease> LeasesOf(const pg::Rows& rows) {
  std::vector<Lease> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.push_back({std::string(rows.Text(r, 0)), rows.Int64(r, 1)});
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) { return a.bot < b.bot; });
  return out;
}

std::vector<std::string> BotsOf(const pg::Rows& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) out.emplace_back(rows.Text(r, 0));
  std::sort(out.begin(), out.end());
  return out;
}

std::string EpochArrayLiteral(const std::vector<Lease>& leases) {
  std::vector<int64_t> epochs;
  epochs.reserve(leases.size());
  for (const Lease& l : leases) epochs.push_back(l.epoch);
  return pg::BigintArray(epochs);
}

}  // namespace

Awaitable<Result<BeatResult>> LeaseTable::Beat(const std::vector<Lease>& owned) {
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool_.Get());
  std::vector<pg::Statement> statements;
  statements.push_back({kUpsertInstance, pg::Params().Add(options_.instance_id).Add(options_.listen)});
  statements.push_back({kForgetSilent, pg::Params().Add(int64_t{options_.forget_after.count()})});
  statements.push_back({kLiveInstances, pg::Params().Add(int64_t{options_.lease.count()})});
  if (!owned.empty()) {
    std::vector<std::string> bots;
    for (const Lease& l : owned) bots.push_back(l.bot);
    statements.push_back({kRenew, pg::Params()
                                      .Add(options_.instance_id)
                                      .Add(pg::TextArray(bots))
                                      .Add(EpochArrayLiteral(owned))
                                      .Add(int64_t{options_.lease.count()})});
  }
  TGATE_CO_ASSIGN_OR_RETURN(std::vector<pg::Rows> results, co_await c->Pipeline(statements));
  if (results.size() != statements.size()) {
    co_return Status::Internal("the heartbeat pipeline returned " + std::to_string(results.size()) +
                               " results for " + std::to_string(statements.size()) + " statements");
  }
  BeatResult beat;
  beat.live = BotsOf(results[2]);
  if (!owned.empty()) beat.renewed = LeasesOf(results[3]);
  co_return beat;
}

Awaitable<Result<std::vector<Lease>>> LeaseTable::Acquire(const std::vector<std::string>& bots) {
  if (bots.empty()) co_return std::vector<Lease>{};
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool_.Get());
  const std::string array = pg::TextArray(bots);
  std::vector<pg::Statement> statements;
  statements.push_back({kInsertMissing, pg::Params().Add(array)});
  statements.push_back(
      {kAcquire, pg::Params().Add(array).Add(options_.instance_id).Add(int64_t{options_.lease.count()})});
  TGATE_CO_ASSIGN_OR_RETURN(std::vector<pg::Rows> results, co_await c->Pipeline(statements));
  if (results.size() != 2) co_return Status::Internal("the acquire pipeline lost a result");
  co_return LeasesOf(results[1]);
}

Awaitable<Result<std::vector<std::string>>> LeaseTable::Release(const std::vector<std::string>& bots) {
  if (bots.empty()) co_return std::vector<std::string>{};
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool_.Get());
  // Arguments of a co_await'ed call are named: GCC 12 mishandles temporaries there.
  pg::Params params;
  params.Add(options_.instance_id).Add(pg::TextArray(bots));
  TGATE_CO_ASSIGN_OR_RETURN(pg::Rows rows, co_await c->Query(kRelease, params));
  co_return BotsOf(rows);
}

Awaitable<Status> LeaseTable::MarkDraining() {
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool_.Get());
  pg::Params params;
  params.Add(options_.instance_id);
  TGATE_CO_ASSIGN_OR_RETURN(pg::Rows rows, co_await c->Query(kMarkDraining, params));
  co_return Status::Ok();
}

Awaitable<Result<std::vector<std::string>>> LeaseTable::Leave() {
  TGATE_CO_ASSIGN_OR_RETURN(pg::PooledConnection c, co_await pool_.Get());
  std::vector<pg::Statement> statements;
  statements.push_back({kReleaseAll, pg::Params().Add(options_.instance_id)});
  statements.push_back({kDeleteInstance, pg::Params().Add(options_.instance_id)});
  // Unconditional: the others rebalance without this instance at once.
  statements.push_back({kNotify, pg::Params().Add(options_.instance_id)});
  TGATE_CO_ASSIGN_OR_RETURN(std::vector<pg::Rows> results, co_await c->Pipeline(statements));
  if (results.empty()) co_return Status::Internal("the leave pipeline lost its results");
  co_return BotsOf(results[0]);
}

}  // namespace tgate::cluster
