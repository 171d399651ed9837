#include "store/pg_bulk_bindings.h"

#include "store/pg_store.h"

namespace tgate::store::pg_bulk_bindings {

const std::string& InsertRunSql() {
  // As PgStore::InsertRun says (pg_store_queue.cc). The bindings found are
  // read FOR SHARE, blocked ones too: their messages are left out here.
  static const std::string kSql =
      "WITH run AS MATERIALIZED ("
      "  SELECT r.*, nextval(s.seq) AS id FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      "    $5::bigint[], $6::text[], $7::text[], $8::bigint[]) WITH ORDINALITY "
      "    AS r(bot, site_user, text, options_json, priority, idempotency_key, idempotency_fingerprint, "
      "    expires_at_ms, ord) "
      "  CROSS JOIN (SELECT pg_get_serial_sequence('messages', 'id')::regclass AS seq) s ORDER BY r.ord), "
      "linked AS MATERIALIZED (SELECT bot, site_user, chat_id, status FROM bindings "
      "  WHERE (bot, site_user) IN (SELECT bot, site_user FROM run) FOR SHARE), "
      "ins AS (INSERT INTO messages (id, bot, site_user, chat_id, text, options_json, priority, status, "
      "  idempotency_key, idempotency_fingerprint, created_at, updated_at, expires_at_ms) "
      "  OVERRIDING SYSTEM VALUE "
      "  SELECT run.id, run.bot, run.site_user, linked.chat_id, run.text, run.options_json, "
      "    run.priority::smallint, 0, nullif(run.idempotency_key, ''), "
      "    nullif(run.idempotency_fingerprint, ''), $9::bigint, $9::bigint, nullif(run.expires_at_ms, 0) "
      "  FROM run JOIN linked ON linked.bot = run.bot AND linked.site_user = run.site_user "
      "  WHERE linked.status = 0 AND linked.chat_id > 0 ORDER BY run.ord "
      "  ON CONFLICT (bot, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id, bot) "
      "SELECT run.ord, ins.id, pg_notify('" +
      std::string(PgStore::kQueueChannel) + "', ins.bot) FROM ins JOIN run USING (id)";
  return kSql;
}

// not_before_ms spreads the targets (ordered by chat id) evenly over the
// window: the k-th (0-based) of `total` waits now + k * spread_ms / total.
// $8 counts the targets filled before this statement, so chunks continue the spread.
#define TGATE_PG_BROADCAST_MESSAGES                                                                      \
  "INSERT INTO messages (bot, site_user, chat_id, priority, broadcast_id, paid, status, not_before_ms, " \
  "created_at, updated_at) "                                                                             \
  "SELECT $1, t.site_user, t.chat_id, 1, $2::bigint, $3::smallint, 0, "                                  \
  "$4::bigint + ($8::bigint + row_number() OVER (ORDER BY t.chat_id) - 1) * $5::bigint / $6::bigint, "   \
  "$7::bigint, $7::bigint "

// By chat id: bindings_by_status is the index for it.
const char* const kAllTargets = TGATE_PG_BROADCAST_MESSAGES
    "FROM bindings t WHERE t.bot = $1 AND t.status = 0 AND t.chat_id > $9::bigint AND t.chat_id <= "
    "$10::bigint "
    "ORDER BY t.chat_id";

// The bindings of bot $1 of the listed users (`users`: the parameter of
// their text[]), as `listed` (site_user, chat_id, status).
#define TGATE_PG_LISTED(users)                                                          \
  "WITH req AS MATERIALIZED (SELECT $1::text AS bot, u AS site_user FROM unnest(" users \
  "::text[]) u), "                                                                      \
  "listed AS MATERIALIZED (SELECT site_user, chat_id, status FROM bindings "            \
  "  WHERE (bot, site_user) IN (SELECT bot, site_user FROM req)) "

const char* const kListedBindings = TGATE_PG_LISTED("$2") "SELECT site_user, status FROM listed";

const char* const kListedTargets = TGATE_PG_LISTED("$9") TGATE_PG_BROADCAST_MESSAGES
    "FROM listed t WHERE t.status = 0 "
    "ORDER BY t.chat_id";

#undef TGATE_PG_LISTED
#undef TGATE_PG_BROADCAST_MESSAGES

}  // namespace tgate::store::pg_bulk_bindings
