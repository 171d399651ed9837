// PgEventRun: the events a PostgreSQL transaction adds to the outbox one
// after another (PgStore::AddEvent, AddChatEvent), written by one statement
// when the transaction next sends anything. Each event was an INSERT of its
// own, pipelined but executed by the server one by one: a webhook batch of 32
// updates took 32 of them (pgbench, the same rows: 0.43 ms a batch, one
// statement 0.23 ms). The rows keep the order they were added in (ids in
// that order: a chat's events are delivered in id order), and an event about
// a chat reads the user linked to it when the statement runs, in the
// transaction, as its own statement did. One pg_notify per statement
// (PostgreSQL folds a transaction's equal notifications into one anyway).
// Not when the statement is sent, nor what a failure does: PgStore's Defer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "pg/connection.h"

namespace tgate::store {

// An event not yet written: its payload is `head`, then, for an event about
// chat `chat_id` of `bot`, `,"user":` and the site user linked to that chat
// (a JSON string) if one is, then `tail`. An empty bot: no chat (AddEvent's
// payload whole in head).
struct PgEventRow {
  std::string head;
  std::string bot;
  int64_t chat_id = 0;
  std::string tail;
  int64_t now_ms = 0;  // next_attempt_ms; created_at in seconds
};

// One INSERT of `rows` (one or more), in their order, that notifies
// `channel` once.
pg::Statement InsertEvents(std::span<const PgEventRow> rows, std::string_view channel);

}  // namespace tgate::store
