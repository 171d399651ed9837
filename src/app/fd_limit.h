// FdLimit: the process's open-file limit (RLIMIT_NOFILE) and the share of it
// the HTTP server may spend on connections. At start tgate raises the soft
// limit to the hard one (a default soft limit of 1,024 let 1,100 idle
// connections lock the server out), then caps its connections below it so the
// store, the Telegram clients and the events sender always have descriptors.
// Not an accounting of descriptors in use.
#pragma once

#include <cstdint>

namespace tgate::app {

struct FdLimits {
  uint64_t soft = 0;
  uint64_t hard = 0;  // UINT64_MAX: unlimited
};

// Raises the soft RLIMIT_NOFILE to the hard limit (or to the kernel's
// fs.nr_open when the hard limit is unlimited) and returns the limits in
// effect afterwards. Logs the figure; never fails (keeps what it has).
FdLimits RaiseFdLimit();

// Descriptors kept out of the connection budget: 64 for the process itself
// (stdio, the database and its WAL/SHM/lock, epoll, timers), 4 for the events
// sender, and per bot its sending connections (max_in_flight) plus 4 (getMe,
// getUpdates, webhook calls).
uint64_t FdReserve(uint64_t bots_in_flight_total, uint64_t bots);

// The connection cap: `configured` when nonzero, else 10,000; either way no
// more than the soft limit minus `reserve` (at least 16). `clamped` tells
// whether the limit lowered it.
uint64_t ConnectionCap(uint64_t configured, uint64_t soft_limit, uint64_t reserve, bool* clamped = nullptr);

}  // namespace tgate::app
