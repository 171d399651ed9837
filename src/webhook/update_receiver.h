// UpdateReceiver: the webhook endpoint POST /hooks/telegram/<path>. Finds the
// bot whose unguessable path segment matches, checks the
// X-Telegram-Bot-Api-Secret-Token header (both in constant time), and stores
// the update durably before answering 200 — a duplicate update_id is stored
// once; concurrent updates are stored together, in one transaction (group
// commit, core/write_batcher.h), each answered after it committed. Where the
// bot's UpdateProcessor runs (this instance owns the bot) and none of its
// updates is pending, an update is processed in that same transaction; else
// it is stored pending and the processor woken, and so are the bot's later
// ones in the batch (update_id order holds): see update_intake.h. A malformed update that passed
// authentication is acknowledged (else Telegram would retry it for 24 h) and logged. Not a router: the caller
// extracts the path segment. Threading: io thread only (uses the Store).
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/lifetime.h"
#include "core/metrics.h"
#include "core/write_batcher.h"
#include "http/message.h"
#include "store/store.h"
#include "telegram/update.h"
#include "webhook/update_intake.h"
#include "webhook/update_processor.h"

namespace tgate::webhook {

struct HookBot {
  std::string name;
  std::string path;              // the per-bot path segment
  std::string secret;            // expected header value; empty = not checked
  std::function<void()> notify;  // wakes this bot's UpdateProcessor
  // This bot's UpdateProcessor where it runs here, else null (or empty: never
  // processed on receipt). Asked anew for each update, as ownership may move.
  std::function<UpdateProcessor*()> processor;
};

class UpdateReceiver {
 public:
  UpdateReceiver(store::Store& store, Metrics& metrics, std::vector<HookBot> bots);

  // `segment` is what follows /hooks/telegram/.
  // A coroutine (it awaits the store): co_await it at once.
  Awaitable<http::Response> Handle(const http::Request& req, std::string_view segment);
  // Whether `segment` is a bot's webhook path (as constant-time as Handle's).
  bool Serves(std::string_view segment) const { return Match(segment) != nullptr; }

 private:
  const HookBot* Match(std::string_view segment) const;
  // What became of an update, as tgate_webhook_updates_total's result label.
  enum Outcome { kAccepted, kDuplicate, kRejected, kFailed, kOutcomes };
  void Count(const HookBot& bot, Outcome outcome);
  // The batch's flush: stores (and where it may, processes) every update in
  // one transaction (UpdateIntake); whether each was new. Wakes whom it
  // concerns after the commit.
  Awaitable<Result<std::vector<bool>>> Write(Lifetime::Token life, const std::vector<ReceivedUpdate>& batch);

  store::Store& store_;
  Metrics& metrics_;
  std::vector<HookBot> bots_;
  // Each bot's metric labels by Outcome, written once rather than per update.
  std::vector<std::array<std::string, kOutcomes>> labels_;
  UpdateIntake intake_;
  Lifetime life_;
  // Group commit: concurrent updates (of any bots) share one transaction.
  WriteBatcher<ReceivedUpdate, bool> inserts_;
};

}  // namespace tgate::webhook
