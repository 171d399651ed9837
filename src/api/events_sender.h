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
// Not the producer of events. Threading: one coroutine on the io executor.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
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
  void Stop();

 private:
  Awaitable<void> Loop();
  Awaitable<bool> Deliver(const store::Event& event);

  asio::any_io_executor executor_;
  store::OutboxStore& store_;
  const Clock& clock_;
  Metrics& metrics_;
  EventsSenderOptions options_;
  std::string target_;
  std::unique_ptr<http::Client> client_;
  std::shared_ptr<asio::steady_timer> wake_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

}  // namespace tgate::api
