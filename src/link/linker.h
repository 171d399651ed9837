// Linker: binds site users to Telegram chats with one-time deep links. Issue()
// stores a token with a TTL and returns the t.me URL plus the copyable
// `/start <token>` fallback (Telegram Desktop ignores ?start= for a bot the
// user already started). Redeem() consumes a token from `/start <token>` and
// binds the chat — once; expired or unknown tokens bind nothing.
// Not the update handling (webhook/update_processor.h) and not transport.
// Threading: as the Store (one thread). The LinkStore and Clock must outlive
// it. Both calls are coroutines over the store's (co_await them at once).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/awaitable.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/link_store.h"

namespace tgate::link {

struct IssuedLink {
  std::string token;
  std::string url;            // https://t.me/<bot_username>?start=<token>
  std::string start_command;  // "/start <token>"
  int64_t expires_at = 0;     // Unix seconds
};

enum class RedeemResult {
  kLinked,   // bound now
  kInvalid,  // unknown, already used, or for another bot
  kExpired,  // known but past its TTL (consumed anyway)
};

struct Redeemed {
  RedeemResult result = RedeemResult::kInvalid;
  std::string user;  // the site user now bound (kLinked)
};

class Linker {
 public:
  Linker(store::LinkStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  Awaitable<Result<IssuedLink>> Issue(std::string_view bot, std::string_view bot_username,
                                      std::string_view user, int64_t ttl_seconds);

  // Consumes `token` and binds `chat_id` to its user for `bot`, through `tx`:
  // the LinkStore of the caller's transaction (RunInTransaction's tx), so the
  // binding commits with the update that carried the token, or not at all.
  Awaitable<Result<Redeemed>> Redeem(store::LinkStore& tx, std::string_view bot, std::string_view token,
                                     int64_t chat_id);

 private:
  store::LinkStore& store_;
  const Clock& clock_;
};

}  // namespace tgate::link
