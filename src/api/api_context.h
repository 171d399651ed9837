// ApiContext: what the site API handlers work with — the configuration, the
// store's link, queue and broadcast roles, the Linker, the clock, metrics, and per bot its username (from
// getMe) and how to wake its dispatcher, and the status page's endpoint. Plain wiring data built by app/;
// handlers take it by reference. Threading: io thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/write_batcher.h"
#include "link/linker.h"
#include "status/status_endpoint.h"
#include "store/broadcast_store.h"
#include "store/link_store.h"
#include "store/queue_store.h"

namespace tgate::api {

struct BotHandle {
  const config::BotConfig* config = nullptr;
  std::string username;  // from getMe, for t.me links
  // New queued work or a new event in the outbox: wakes the bot's dispatcher
  // and the events sender (app/gateway.cc). Every handler that writes either calls it
  // (POST /v1/messages calls notify_one_to_one instead when it is set).
  std::function<void()> notify_dispatcher;
  std::function<void(int64_t)> cancel_broadcast;  // drop a cancelled broadcast's loaded messages
  std::function<bool()> in_outage;                // Telegram cannot be reached: sending paused (GET /readyz)
  std::string getme_error;  // getMe's last failure while `username` is unknown (GET /readyz)
  // A one-to-one message was queued (POST /v1/messages): wakes the dispatcher
  // to load it, without a look at the broadcasts or the outbox. Null:
  // notify_dispatcher does.
  std::function<void()> notify_one_to_one;
};

// Group commit of accepted messages: concurrent POST /v1/messages share one
// transaction (QueueStore::EnqueueMany), each answered with its own result.
using EnqueueBatcher = WriteBatcher<store::NewMessage, Result<store::Enqueued>>;

struct ApiContext {
  const config::Config& config;
  store::LinkStore& links;   // bindings: a user's status; unlinking
  store::QueueStore& queue;  // one-to-one messages
  store::BroadcastStore& broadcasts;
  link::Linker& linker;
  const Clock& clock;
  Metrics& metrics;
  std::map<std::string, BotHandle, std::less<>> bots;
  // GET /status and /status.json (HTTP Basic, the API key); null: 404.
  status::StatusEndpoint* status_page = nullptr;
  // Every accepted message goes through it (built here, on `queue`, so every
  // ApiContext has one). Its 202 comes only after its batch committed.
  std::unique_ptr<EnqueueBatcher> enqueue =
      std::make_unique<EnqueueBatcher>([&queue = queue](const std::vector<store::NewMessage>& messages) {
        return queue.EnqueueMany(messages);
      });

  // The bot a request names ("bot" field or ?bot=), or the default.
  // NotFound naming the unknown bot.
  Result<const BotHandle*> FindBot(std::string_view name) const;
  int64_t NowMs() const;
};

}  // namespace tgate::api
