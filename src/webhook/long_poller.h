// LongPoller: the alternative to the webhook when tgate has no public URL. It
// calls getUpdates in a loop (long poll), stores each update durably (the same
// dedupe as the webhook) and only then confirms it with the next offset, and
// wakes the UpdateProcessor. Refuses to fight a webhook: a 409 is logged with
// what to do and retried slowly. Not the processing (update_processor.h).
// Threading: one coroutine on the io executor (app/threads.h); BotApi/InboxStore
// outlive the poller. Destroying it stops the coroutine, Stop() called or not
// (core/lifetime.h): the answer of a getUpdates under way is ignored (its
// offset was never confirmed: the next poller fetches those updates again).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/lifetime.h"
#include "http/asio.h"
#include "store/inbox_store.h"
#include "telegram/bot_api.h"

namespace tgate::webhook {

struct LongPollerOptions {
  std::string bot;
  std::chrono::seconds poll_timeout{25};  // Telegram clamps to 50 s
};

class LongPoller {
 public:
  LongPoller(asio::any_io_executor executor, telegram::BotApi& api, store::InboxStore& store,
             LongPollerOptions options, std::function<void()> on_updates);
  void Start();
  // Ends the loop (as destroying the poller does).
  void Stop();

 private:
  Awaitable<void> Loop(Lifetime::Token life);
  // Stores the updates of one answer; returns false on a store error, or
  // when the poller ended meanwhile (then it touched nothing of it after).
  Awaitable<bool> StoreAll(Lifetime::Token life, const boost::json::value& result);

  asio::any_io_executor executor_;
  telegram::BotApi& api_;
  store::InboxStore& store_;
  LongPollerOptions options_;
  std::function<void()> on_updates_;
  Lifetime life_;
};

}  // namespace tgate::webhook
