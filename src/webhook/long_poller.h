// LongPoller: the alternative to the webhook when tgate has no public URL. It
// calls getUpdates in a loop (long poll) and takes each answer's updates in
// as the webhook does (update_intake.h: the same dedupe, one transaction for
// the whole answer, each update processed in it where it may be, else stored
// pending and the UpdateProcessor woken); only then it confirms them with the
// next offset. Refuses to fight a webhook: a 409 is logged with what to do
// and retried slowly. Not the processing (update_processor.h).
// Threading: one coroutine on the io executor (app/threads.h); the BotApi, the
// Store and the processor outlive the poller. Destroying it stops the
// coroutine, Stop() called or not (core/lifetime.h): the answer of a
// getUpdates under way is ignored (its offset was never confirmed: the next
// poller fetches those updates again).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/lifetime.h"
#include "http/asio.h"
#include "store/store.h"
#include "telegram/bot_api.h"
#include "webhook/update_intake.h"
#include "webhook/update_processor.h"

namespace tgate::webhook {

struct LongPollerOptions {
  std::string bot;
  std::chrono::seconds poll_timeout{25};  // Telegram clamps to 50 s
};

class LongPoller {
 public:
  // `processor`: the bot's, which acts on the updates (null: they are only
  // stored pending, and `on_updates` called).
  LongPoller(asio::any_io_executor executor, telegram::BotApi& api, store::Store& store,
             LongPollerOptions options, UpdateProcessor* processor, std::function<void()> on_updates);
  void Start();
  // Ends the loop (as destroying the poller does).
  void Stop();

 private:
  Awaitable<void> Loop(Lifetime::Token life);
  // Takes the updates of one answer in, in one transaction; returns false on
  // a store error, or when the poller ended meanwhile (then it touched
  // nothing of it after).
  Awaitable<bool> StoreAll(Lifetime::Token life, const boost::json::value& result);

  asio::any_io_executor executor_;
  telegram::BotApi& api_;
  store::Store& store_;
  LongPollerOptions options_;
  UpdateIntake intake_;
  Lifetime life_;
};

}  // namespace tgate::webhook
