#include "store/pg_event_run.h"

#include <vector>

#include "pg/array_literal.h"

namespace tgate::store {

pg::Statement InsertEvents(std::span<const PgEventRow> rows, std::string_view channel) {
  std::vector<std::string> heads, bots, tails;
  std::vector<int64_t> chats, times;
  heads.reserve(rows.size());
  bots.reserve(rows.size());
  tails.reserve(rows.size());
  chats.reserve(rows.size());
  times.reserve(rows.size());
  for (const PgEventRow& row : rows) {
    heads.push_back(row.head);
    bots.push_back(row.bot);
    chats.push_back(row.chat_id);
    tails.push_back(row.tail);
    times.push_back(row.now_ms);
  }
  // The user through bindings' unique (bot, chat_id), one probe per event.
  return pg::Statement{
      "WITH ins AS (INSERT INTO events (payload, attempts, next_attempt_ms, created_at) "
      "SELECT e.head || coalesce((SELECT ',\"user\":' || to_json(b.site_user)::text FROM bindings b "
      "WHERE e.bot <> '' AND b.bot = e.bot AND b.chat_id = e.chat_id), '') || e.tail, 0, e.now_ms, "
      "e.now_ms / 1000 "
      "FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[]) WITH ORDINALITY "
      "AS e(head, bot, chat_id, tail, now_ms, ord) ORDER BY e.ord RETURNING 1) "
      "SELECT pg_notify($6, '') WHERE EXISTS (SELECT 1 FROM ins)",
      pg::Params()
          .Add(pg::TextArray(heads))
          .Add(pg::TextArray(bots))
          .Add(pg::BigintArray(chats))
          .Add(pg::TextArray(tails))
          .Add(pg::BigintArray(times))
          .Add(channel)};
}

}  // namespace tgate::store
