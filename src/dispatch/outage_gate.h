// OutageGate: decides which of Telegram's answers to the Dispatcher's sends
// count, around a Bot API outage (what one is: outage_monitor.h). Telegram's
// answers (anything but a 5xx) count at once. A failure to reach it (network,
// 5xx) during an outage is returned to the queue unspent; otherwise, if
// nothing sent after it was answered, it is held with its answer until a
// probe (getMe) says whether Telegram or only this chat is failing; if a
// later send was answered, it counts (the failure is the message's own).
// Owns the OutageMonitor and the held failures, and logs an outage's start
// and end. Not the probing itself (the Dispatcher sends getMe when
// ProbeDue) and not what is done with an answer that counts
// (answer_handler.h).
// Not thread-safe: confined to the Dispatcher's thread. The Store must
// outlive it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/awaitable.h"
#include "dispatch/loaded_messages.h"
#include "dispatch/outage_monitor.h"
#include "dispatch/scheduler.h"
#include "store/queue_store.h"
#include "telegram/api_result.h"

namespace tgate::dispatch {

struct OutageGateOptions {
  std::string bot = "default";
  OutageOptions probes;
  std::chrono::seconds max_queue_age{86400};  // only said in the log: nothing fails sooner
};

class OutageGate {
 public:
  enum class Route {
    kCounts,   // act on the answer (AnswerHandler)
    kUnspent,  // Telegram cannot be reached: back to the queue, its attempt not spent
    kHeld,     // held here until a probe says
  };
  // An answer a probe released, and where it goes now (kCounts or kUnspent).
  struct Released {
    Job job;
    telegram::ApiResult answer;
    Route route;
  };

  OutageGate(store::QueueStore& store, OutageGateOptions options);
  OutageGate(const OutageGate&) = delete;
  OutageGate& operator=(const OutageGate&) = delete;

  // The ticket of a send about to leave (see OutageMonitor::Ticket).
  uint64_t Ticket() { return monitor_.Ticket(); }
  // `job`'s send, with `ticket`, was answered with `r`; `loaded`: whether
  // its message is still held (not cancelled meanwhile).
  Route OnAnswer(const Job& job, const telegram::ApiResult& r, uint64_t ticket, bool loaded);
  // A probe is going out at `now`.
  void ProbeSent(SteadyTime now) { monitor_.ProbeSent(now); }
  // The probe was answered (`reachable`) or not (`what` went wrong): starts
  // or ends an outage, and releases the held failures that it settles, in
  // the order they came; those it cannot settle stay held for the next one.
  // (A coroutine: a start or end is logged with how many messages wait, from
  // the store; `held` is read before that.)
  Awaitable<std::vector<Released>> OnProbe(bool reachable, const std::string& what, SteadyTime now,
                                           const LoadedMessages& held);

  // The monitor's view (outage_monitor.h).
  bool active() const { return monitor_.active(); }
  bool ProbeDue(SteadyTime now) const { return monitor_.ProbeDue(now); }
  SteadyTime NextProbe() const { return monitor_.NextProbe(); }
  bool probe_in_flight() const { return monitor_.probe_in_flight(); }
  std::chrono::duration<double> total(SteadyTime now) const { return monitor_.total(now); }

 private:
  // `send_error`: the first held failure's, or `what` if none was held.
  Awaitable<void> Log(OutageMonitor::Change change, bool reachable, const std::string& what,
                      const std::string& send_error, SteadyTime now);

  store::QueueStore& store_;
  const OutageGateOptions options_;
  OutageMonitor monitor_;
  std::vector<std::pair<Job, telegram::ApiResult>> suspects_;  // the held failures
};

// No answer from Telegram at all, or its servers failing: what an outage looks like.
bool Unreachable(const telegram::ApiResult& r);

}  // namespace tgate::dispatch
