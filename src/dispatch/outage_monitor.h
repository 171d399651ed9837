// OutageMonitor: tells a Bot API outage (Telegram cannot be reached at all:
// connection refused, DNS, TLS, timeouts, 5xx) from one chat's failures, for
// one bot. Pure: time is an argument; the Dispatcher sends the probes (getMe)
// and acts on what this says.
// The rule: a send that got no answer from Telegram (network failure, timeout
// or 5xx) is a *suspect* unless a request sent after it was answered by
// Telegram (then Telegram was reachable and the failure is the message's or
// its chat's). A suspect is held until a probe (getMe, sent after it) says:
// answered -> the failure is the message's own and spends an attempt; no
// answer or 5xx too -> the bot is in outage. A single broken chat can never
// start an outage: the probe reaches Telegram. During an outage the bot sends
// nothing but probes, backing off from `first_probe` doubling to `max_probe`;
// the first probe Telegram answers ends it.
// Not the retry policy (retry_policy.h) and not a rate limiter.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/clock.h"

namespace tgate::dispatch {

struct OutageOptions {
  std::chrono::milliseconds first_probe{1000};  // the first probe after an outage starts
  // Probes back off (doubling) up to this: a getMe every 5 s costs Telegram
  // nothing, and sending resumes within 5 s of its return.
  std::chrono::milliseconds max_probe{5000};
};

class OutageMonitor {
 public:
  enum class Change { kNone, kStarted, kEnded };

  explicit OutageMonitor(OutageOptions options = {}) : options_(options) {}

  // Requests are told apart by the order they were sent in: each takes a
  // ticket as it goes (probes take theirs in ProbeSent).
  uint64_t Ticket() { return ++tickets_; }
  // Telegram answered (anything but a 5xx) the request with `ticket`.
  void OnReachable(uint64_t ticket);
  // The request with `ticket` got no answer or a 5xx: whether it is a suspect
  // (nothing sent after it was answered), to hold until a probe says.
  bool Suspect(uint64_t ticket) const { return ticket > last_reachable_; }
  // A suspect is held: probe as soon as possible.
  void WantProbe() { probe_wanted_ = true; }

  // Whether a probe should be sent at `now`, and when one next will be
  // (SteadyTime::max() if none is wanted or one is under way).
  bool ProbeDue(SteadyTime now) const { return NextProbe() <= now; }
  SteadyTime NextProbe() const;
  void ProbeSent(SteadyTime now);
  // The probe sent at ProbeSent's `now` was answered (`reachable`) or not.
  Change OnProbe(bool reachable, SteadyTime now);

  bool active() const { return active_; }
  bool probe_in_flight() const { return probe_in_flight_; }
  SteadyTime since() const { return since_; }
  // Time spent in outages so far, the current one included.
  std::chrono::duration<double> total(SteadyTime now) const;

 private:
  OutageOptions options_;
  uint64_t tickets_ = 0;
  uint64_t last_reachable_ = 0;  // the latest ticket Telegram answered
  bool probe_wanted_ = false;
  bool probe_in_flight_ = false;
  uint64_t probe_ticket_ = 0;
  bool active_ = false;
  SteadyTime since_{};
  SteadyTime next_probe_{};
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::duration total_{0};
};

}  // namespace tgate::dispatch
