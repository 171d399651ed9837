// EventsSender: delivers the durable outbox of events (user.linked,
// message.sent, update, ...) to the site's events_url as POST JSON, signed
// with HMAC-SHA256, retried with exponential backoff until a 2xx. Events stay
// in the Store until delivered, so a crash loses none (a crash mid-POST may
// deliver one twice: the X-Tgate-Event-Id header lets the site dedupe).
// Signature: X-Tgate-Signature: sha256=<hex HMAC(secret, timestamp + "." + body)>
// with X-Tgate-Timestamp: <unix seconds>, so a captured request cannot be
// replayed later with a fresh timestamp.
// Events the site has not taken within the retention are dropped by the
// Pruner (app/pruner.h), not here.
// Not the producer of events. Threading: one coroutine on the io executor
// (app/threads.h). Destroying the sender stops it, Stop() called or not
// (core/lifetime.h): the outcome of a POST under way is not written, so that
// event is delivered again later (the site dedupes by X-Tgate-Event-Id).
#pragma once

#include <chrono>
#include <memory>
#include <string>

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
  size_t batch = 100;
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
  Awaitable<void> Loop(Lifetime::Token life);
  // POSTs one event; true on a 2xx. Touches nothing of *this after its wait.
  Awaitable<bool> Deliver(const store::Event& event);

  asio::any_io_executor executor_;
  store::OutboxStore& store_;
  const Clock& clock_;
  Metrics& metrics_;
  EventsSenderOptions options_;
  std::string target_;
  std::unique_ptr<http::Client> client_;
  Lifetime life_;
};

}  // namespace tgate::api
