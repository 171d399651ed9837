// OutboxStore: the store's role for events to the site (message.sent,
// user.linked, ...) — kept until delivered, or until retention drops them. It
// is not the delivery (api/events_sender.h posts them and decides the
// backoff) and not where events are raised: a unit of work that raises one
// writes it in its own transaction (QueueStore::WriteOutcomes, LinkStore::Unlink).
// Every method is one unit of work: it commits before returning OK.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

// What waits in the outbox, for /metrics.
struct OutboxBacklog {
  int64_t pending = 0;           // events not yet delivered (due or waiting for a retry)
  int64_t oldest_created_s = 0;  // Unix seconds the oldest of them was written; 0: none
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  virtual Awaitable<Status> AddEvent(std::string_view payload_json, int64_t now_ms) = 0;
  // AddEvent for an event about chat `chat_id` of `bot`: its payload is
  // `head`, then `,"user":` and the site user linked to that chat (a JSON
  // string) if one is, then `tail`. The user is the one linked as the event
  // is added, in the same transaction: on PostgreSQL one statement (sent
  // with the next, as AddEvent's), where reading the binding first took a
  // round trip of its own.
  virtual Awaitable<Status> AddChatEvent(std::string_view head, std::string_view bot, int64_t chat_id,
                                         std::string_view tail, int64_t now_ms) = 0;
  // Events with next_attempt_ms <= now_ms, soonest due first, then by id
  // (those never tried in the order they were made); at most `limit`, read
  // without passing the events not due.
  virtual Awaitable<Result<std::vector<Event>>> DueEvents(int64_t now_ms, size_t limit) = 0;
  // Removes the delivered events `ids`, in one transaction; ids no longer
  // there (retention dropped them meanwhile) are skipped.
  virtual Awaitable<Status> EventsDelivered(const std::vector<int64_t>& ids) = 0;
  virtual Awaitable<Status> EventRetry(int64_t id, int attempts, int64_t next_attempt_ms) = 0;
  // Soonest next_attempt_ms of any pending event, or 0 if none.
  virtual Awaitable<Result<int64_t>> NextEventDue() = 0;
  // How many events wait and since when (one read; no lock taken).
  virtual Awaitable<Result<OutboxBacklog>> Backlog() = 0;
};

}  // namespace tgate::store
