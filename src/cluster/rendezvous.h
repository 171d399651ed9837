// Rendezvous (highest random weight) hashing: which live instance should own
// a bot. Every instance computes it alone from the same inputs (the bot and
// the ids of the live instances) and gets the same answer, with no
// coordination. When an instance joins, only the bots it now wins move to it;
// when one leaves, only its own bots move, each to the instance that scored
// next for it (Thaler & Ravishankar, 1998).
// Pure functions, no I/O. Not the lease itself (lease_keeper.h): the desired
// owner is only who should take a bot once it is free or expired.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tgate::cluster {

// The weight of `instance` for `bot`: a fixed 64-bit hash (FNV-1a over the
// bot, a NUL and the instance, then splitmix64's finalizer to spread FNV's
// weak low bits). Fixed, not std::hash: instances built apart must agree.
uint64_t RendezvousScore(std::string_view bot, std::string_view instance);

// The instance of `instances` with the highest score for `bot` (a tie, which
// needs a 64-bit collision, goes to the larger id); "" when `instances` is
// empty. The order of `instances` does not matter.
std::string DesiredOwner(std::string_view bot, const std::vector<std::string>& instances);

}  // namespace tgate::cluster
