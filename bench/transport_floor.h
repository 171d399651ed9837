// MeasureTransportFloor: the CPU tgate's own Bot API client spends per
// sendMessage on this machine when it does nothing else — HttpBotApi on a
// polled io_context, as the dispatcher drives it (answers read at the next
// tick through http::NextPass, the deadline timer left armed), paced like the
// bare floor (request_floor.h). No store, no scheduler, no limits: what is
// left of tgate's CPU above this is the engine's own, and this above the bare
// floor is the cost of the transport it is built on (Asio, Beast, the JSON
// answer read). A reference for delivery_bench, not a target; one thread,
// loopback, bounded in requests and time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bench/request_floor.h"

namespace tgate::bench {

// As MeasureRequestFloor: `requests` sendMessage calls to chats first_chat,
// first_chat + 1, ... at 98% of `rate_per_sec`, at most 32 in flight, every
// answer waited for (at most 60 s in all). An answer that is not ok counts
// in answered_other.
FloorResult MeasureTransportFloor(uint16_t port, const std::string& token, double rate_per_sec,
                                  std::chrono::milliseconds tick, int requests, int64_t first_chat);

}  // namespace tgate::bench
