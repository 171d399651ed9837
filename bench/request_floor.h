// MeasureRequestFloor: the CPU a minimal HTTP/1.1 client spends per
// sendMessage on this machine, paced as tgate paces a broadcast: a tick's
// worth of requests every tick over keep-alive connections, their answers read
// at the next tick. One write and one read per request and one timer wake-up
// per tick; no store, no JSON, no scheduler, no event loop. The Bot API has no
// batch send, so any client that sends one message per request pays at least
// this with plain system calls; delivery_bench reads tgate's CPU per message
// against it. Not a load generator: blocking sockets, one thread, loopback.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tgate::bench {

struct FloorResult {
  int64_t answered_200 = 0;
  int64_t answered_other = 0;     // a 429 or any other status, or a dropped connection
  double cpu_us_per_request = 0;  // this thread's user + system CPU ÷ requests answered
};

// This thread's user + system CPU so far, in seconds (what both floors count).
double ThreadCpuSeconds();

// Sends `requests` sendMessage calls to chats first_chat, first_chat + 1, ...
// at 98% of `rate_per_sec` (under the server's window; a late tick does not
// catch up), and waits for every answer (at most 60 s in all).
FloorResult MeasureRequestFloor(uint16_t port, const std::string& token, double rate_per_sec,
                                std::chrono::milliseconds tick, int requests, int64_t first_chat);

}  // namespace tgate::bench
