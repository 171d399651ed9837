// Test-only: runs an io_context on a FakeClock's time, so code that waits on
// the Clock's timers (core/clock.h) runs minutes of fake time in milliseconds
// of real time, and every wait ends at exactly its time. A pass runs every
// handler that is ready; when none is left, the clock moves to the earliest
// wait under way (on any executor: a wait of another io_context ends there, to
// be run by whoever polls it) and the next pass begins. Never waits in real
// time: real timers and sockets are not for code run this way.
// Not an event loop for production; never included by production code.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <stdexcept>

#include "core/fake_clock.h"

namespace tgate::testing {

// Runs what `io` has ready, at the clock's current time. A handler that
// re-posts itself for ever at one instant is a bug of the code under test
// (it would spin in production too): throws after `max_handlers`.
inline size_t RunReady(boost::asio::io_context& io, size_t max_handlers = 10'000'000) {
  if (io.stopped()) io.restart();
  size_t ran = 0;
  while (io.poll_one() > 0) {
    if (++ran > max_handlers) throw std::runtime_error("RunReady: handlers keep coming at one fake instant");
  }
  return ran;
}

// Runs `io` on `clock` until `done()` holds (checked after each pass) or
// `limit` of fake time has passed; the clock then reads at most the start
// plus `limit` (exactly that if `done` never held). Returns whether `done`
// held.
inline bool RunUntil(boost::asio::io_context& io, FakeClock& clock, const std::function<bool()>& done,
                     std::chrono::steady_clock::duration limit) {
  const SteadyTime until = clock.Now() + limit;
  for (;;) {
    RunReady(io);
    if (done()) return true;
    if (RunReady(io) > 0) continue;  // `done` itself may have posted work (woken a loop)
    const SteadyTime next = clock.NextWait();
    if (next > until) {
      clock.AdvanceTo(until);
      RunReady(io);
      return done();
    }
    clock.AdvanceTo(next);
  }
}

// Runs `io` on `clock` for `d` of fake time.
inline void RunFor(boost::asio::io_context& io, FakeClock& clock, std::chrono::steady_clock::duration d) {
  RunUntil(
      io, clock, [] { return false; }, d);
}

}  // namespace tgate::testing
