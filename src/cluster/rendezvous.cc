#include "cluster/rendezvous.h"

namespace tgate::cluster {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

// splitmix64's finalizer (Steele, Lea & Flood, 2014): every input bit
// reaches every output bit.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t RendezvousScore(std::string_view bot, std::string_view instance) {
  uint64_t h = Fnv1a(kFnvOffset, bot);
  // A NUL between the two keeps ("ab","c") and ("a","bc") apart (FNV-1a of
  // a zero byte: the xor is a no-op, the multiply is not).
  h *= kFnvPrime;
  return Mix(Fnv1a(h, instance));
}

std::string DesiredOwner(std::string_view bot, const std::vector<std::string>& instances) {
  const std::string* best = nullptr;
  uint64_t best_score = 0;
  for (const std::string& id : instances) {
    const uint64_t score = RendezvousScore(bot, id);
    if (best == nullptr || score > best_score || (score == best_score && id > *best)) {
      best = &id;
      best_score = score;
    }
  }
  return best == nullptr ? std::string() : *best;
}

}  // namespace tgate::cluster
