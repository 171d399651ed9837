// WebhookSender: the coroutine that delivers queued updates to the bot's
// webhook like Telegram (botapi-facts.md §2): one update in flight per chat,
// chats in parallel up to max_connections, failed deliveries retried by the
// UpdateQueue's doubling schedule, last_error_date/last_error_message kept in
// WebhookSettings, delivered/failed counted in EmulatorStats.
// Does nothing while no webhook is set (updates then wait for getUpdates).
// Threading: everything runs on `strand`, which must be the strand that owns
// `state`. `state` and `clock` must outlive the sender; Stop() before
// destroying it.
#pragma once

#include <chrono>
#include <memory>

#include "core/clock.h"
#include "http/asio.h"
#include "tools/emulator/bot_state.h"

namespace tgate::emulator {

class WebhookSender {
 public:
  WebhookSender(asio::any_io_executor strand, BotState& state, const Clock& clock,
                std::chrono::milliseconds timeout);
  ~WebhookSender();

  void Start();
  // There may be work: new update, webhook set, delivery finished. On strand.
  void Wake();
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgate::emulator
