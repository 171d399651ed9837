// WriteProbe: whether the database takes writes now, for GET /readyz. Runs
// the store's ProbeWrite (a committed write that changes nothing) at most
// once per `cache` period, however often a load balancer asks, and waits for
// it at most `timeout`: a database that hangs reads as not writable within
// that bound (the probe under way is waited for again by the next check,
// never started twice).
// Not a health monitor (nothing runs between checks) and not the store.
// Threading: the io thread; the probe's coroutine holds shared state only,
// so destroying the WriteProbe while a probe is under way is safe (the
// store must outlive the probe's call, as it outlives every store call).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/awaitable.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/asio.h"

namespace tgate::api {

struct WriteProbeOptions {
  // A load balancer checks every few seconds; the store is written at most
  // once per this period.
  std::chrono::milliseconds cache{2000};
  // Longer than SQLite's busy_timeout would make a held lock look like a
  // hang; shorter than a balancer's own check timeout (typically 2-5 s).
  std::chrono::milliseconds timeout{1000};
};

class WriteProbe {
 public:
  WriteProbe(asio::any_io_executor executor, const Clock& clock, std::function<Awaitable<Status>()> write,
             WriteProbeOptions options = {});
  ~WriteProbe();
  WriteProbe(const WriteProbe&) = delete;
  WriteProbe& operator=(const WriteProbe&) = delete;

  // OK if the last probe (younger than `cache`) or a fresh one succeeded;
  // else its error, or Unavailable when it did not answer within `timeout`.
  // A coroutine: co_await it at once.
  Awaitable<Status> Check();

  // Probes run so far (started), for tests.
  int probes() const;

 private:
  struct State;
  static Awaitable<void> Run(std::shared_ptr<State> state, std::function<Awaitable<Status>()> write);

  asio::any_io_executor executor_;
  const Clock& clock_;
  std::function<Awaitable<Status>()> write_;
  WriteProbeOptions options_;
  std::shared_ptr<State> state_;
};

}  // namespace tgate::api
