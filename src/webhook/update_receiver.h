// UpdateReceiver: the webhook endpoint POST /hooks/telegram/<path>. Finds the
// bot whose unguessable path segment matches, checks the
// X-Telegram-Bot-Api-Secret-Token header (both in constant time), and stores
// the update durably before answering 200 — a duplicate update_id is stored
// once; concurrent updates are stored together, in one transaction (group
// commit, core/write_batcher.h), each answered after it committed. A malformed update that passed
// authentication is acknowledged (else Telegram would retry it for 24 h) and logged. Processing happens
// later, in UpdateProcessor. Not a router: the caller extracts the path segment. Threading: io thread only
// (uses the Store).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/metrics.h"
#include "core/write_batcher.h"
#include "http/message.h"
#include "store/inbox_store.h"

namespace tgate::webhook {

struct HookBot {
  std::string name;
  std::string path;              // the per-bot path segment
  std::string secret;            // expected header value; empty = not checked
  std::function<void()> notify;  // wakes this bot's UpdateProcessor
};

class UpdateReceiver {
 public:
  UpdateReceiver(store::InboxStore& store, Metrics& metrics, std::vector<HookBot> bots);

  // `segment` is what follows /hooks/telegram/.
  // A coroutine (it awaits the store): co_await it at once.
  Awaitable<http::Response> Handle(const http::Request& req, std::string_view segment);

 private:
  const HookBot* Match(std::string_view segment) const;

  store::InboxStore& store_;
  Metrics& metrics_;
  std::vector<HookBot> bots_;
  // Group commit: concurrent updates (of any bots) share one transaction.
  WriteBatcher<store::Update, bool> inserts_;
};

}  // namespace tgate::webhook
