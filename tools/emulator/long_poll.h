// LongPoll: getUpdates (botapi-facts.md §3). Validates and clamps offset,
// limit (1..100, default 100) and timeout (0..50 s), answers 409 while a
// webhook is set, and holds the request until an update arrives or the
// timeout passes. A second poll terminates the waiting one with 409
// "Conflict: terminated by other getUpdates request; ..."; setWebhook
// terminates it with "Conflict: terminated by setWebhook request".
// Threading: on `strand`, which owns `state`; `state` must outlive the
// LongPoll and every GetUpdates call (Stop() ends waiting calls).
#pragma once

#include <memory>
#include <string>

#include "http/asio.h"
#include "tools/emulator/bot_reply.h"
#include "tools/emulator/bot_state.h"
#include "tools/emulator/params.h"

namespace tgate::emulator {

class LongPoll {
 public:
  LongPoll(asio::any_io_executor strand, BotState& state);

  Awaitable<BotReply> GetUpdates(Params params);
  // An update was queued: the waiting poll (if any) answers.
  void Wake();
  // The waiting poll (if any) answers 409 with `description`.
  void Terminate(std::string description);
  // Waiting polls answer an empty list now; later ones do not wait.
  void Stop();

 private:
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::string terminated;  // non-empty: answer 409 with this description
  };

  asio::any_io_executor strand_;
  BotState& state_;
  std::shared_ptr<Waiter> waiter_;  // the one waiting poll, if any
  bool stopped_ = false;
};

}  // namespace tgate::emulator
