// EventsSender: delivers the durable outbox of events (user.linked,
// message.sent, update, ...) to the site's events_url as POST JSON, signed
// with HMAC-SHA256, retried with exponential backoff until a 2xx. Events stay
// in the Store until delivered, so a crash loses none (a crash may deliver
// again those on their way and those answered since the last write, at most
// a few times `concurrency`: the X-Tgate-Event-Id header lets the site dedupe).
// Signature: X-Tgate-Signature: sha256=<hex HMAC(secret, timestamp + "." + body)>
// with X-Tgate-Timestamp: <unix seconds>, so a captured request cannot be
// replayed later with a fresh timestamp.
// Up to `concurrency` POSTs are on their way at once, at most one per chat
// (api/event_order.h): a chat's events reach the site in order, and a site
// that takes a while per event still keeps up with a busy bot (one POST at a
// time, a site answering in 20 ms took at most 50 events a second). The
// delivered are removed from the outbox together, one transaction for all
// answered since the last. While the site is down (no answer, 5xx, 429)
// the others wait and one event at a time tries it, after a pause from
// first_retry doubling to 60 s, the oldest first (an event that found it down
// goes back in line, so its chat's order holds); another 4xx refuses only
// its own event, which goes again after its own backoff, behind its chat's
// later events.
// Events the site has not taken within the retention are dropped by the
// Pruner (app/pruner.h), not here.
// Not the producer of events. Threading: its coroutines (the loop and each
// POST) run on the io executor (app/threads.h). Destroying the sender stops it, Stop() called or not
// (core/lifetime.h): the outcome of a POST under way, or answered and not
// yet written, is not written, so that event is delivered again later.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>

#include "core/clock.h"
#include "core/lifetime.h"
#include "core/metrics.h"
#include "http/asio.h"
#include "http/client.h"
#include "store/outbox_store.h"

namespace tgate::api {

struct EventsSenderOptions {
  std::string url;     // events_url; empty = keep events in the outbox (until the retention)
  std::string secret;  // HMAC key; empty = unsigned
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{600000};  // 10 min
  size_t batch = 256;                           // events read from the outbox at a time
  int concurrency = 8;                          // POSTs on their way at once (events_concurrency)
};

// The signature header value for `body` sent at `timestamp`.
std::string SignEvent(std::string_view secret, int64_t timestamp, std::string_view body);

class EventsSender {
 public:
  EventsSender(asio::any_io_executor executor, store::OutboxStore& store, const Clock& clock,
               Metrics& metrics, EventsSenderOptions options);
  Status Start();
  // Events were added.
  void Notify();
  // Ends the loop (as destroying the sender does).
  void Stop();

 private:
  // How the site answered a POST: taken (2xx), this event refused (another
  // 4xx: it goes again after its backoff, the others meanwhile), or the site
  // down (no answer, 5xx or 429: every event waits, this one back in line;
  // one tries again after a pause).
  enum class Answer { kDelivered, kRefused, kSiteDown };

  // An event read from the outbox and not yet on its way.
  struct Waiting {
    store::Event event;
    std::string key;  // EventOrderKey
  };

  Awaitable<void> Loop(Lifetime::Token life);
  // Reads the due events not yet waiting or on their way into waiting_.
  Awaitable<void> ReadDue(Lifetime::Token life, int64_t now_ms);
  // Starts the waiting events whose chats have none on its way, oldest
  // first, up to the concurrency (one while the site is down).
  void StartWaiting(const Lifetime::Token& life);
  // Whether the site was found down and its pause has not ended.
  bool SiteDownPauses() const;
  // Puts `w` back in line by its id (a chat's events keep their order).
  void BackInLine(Waiting w);
  // POSTs one event, then frees its chat. A retry is written here; a
  // delivery goes to delivered_.
  Awaitable<void> Post(Lifetime::Token life, store::Event event, std::string key);
  // Removes the events delivered since the last call from the outbox, in
  // one transaction; on a failure, keeps them for the next call, a pause
  // (first_retry) later.
  Awaitable<void> WriteDelivered(Lifetime::Token life);
  // POSTs one event. Touches nothing of *this after its wait.
  Awaitable<Answer> Deliver(const store::Event& event);
  int64_t WallMs() const;

  asio::any_io_executor executor_;
  store::OutboxStore& store_;
  const Clock& clock_;
  Metrics& metrics_;
  EventsSenderOptions options_;
  std::string target_;
  std::unique_ptr<http::Client> client_;
  std::deque<Waiting> waiting_;           // in id order
  std::unordered_set<int64_t> held_;      // ids waiting or on their way
  std::unordered_set<std::string> busy_;  // keys with an event on its way
  int on_the_way_ = 0;
  std::vector<int64_t> delivered_;  // answered 2xx, not yet removed from the outbox
  // The last removal failed: none goes until it is written, tried again at
  // write_again_at_.
  bool write_failing_ = false;
  SteadyTime write_again_at_{};
  // The site down: POSTs that found it so since it last took one, and when
  // the next may go (one at a time until it answers).
  int site_failures_ = 0;
  SteadyTime paused_until_{};
  // Ids whose outcome was written while a read of the outbox was under way
  // (PostgreSQL's suspend): that read may still return them.
  bool reading_ = false;
  std::unordered_set<int64_t> finished_while_reading_;
  Lifetime life_;
};

}  // namespace tgate::api
