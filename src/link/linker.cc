#include "link/linker.h"

#include "core/status_macros.h"
#include "link/link_token.h"

namespace tgate::link {

// (Aggregates passed to a co_await are named first: GCC 12 destroys a braced
// temporary in a co_await expression wrongly.)
Awaitable<Result<IssuedLink>> Linker::Issue(std::string_view bot, std::string_view bot_username,
                                            std::string_view user, int64_t ttl_seconds) {
  IssuedLink link;
  link.token = NewLinkToken();
  link.expires_at = clock_.UnixSeconds() + ttl_seconds;
  const store::LinkToken token{link.token, std::string(bot), std::string(user), link.expires_at};
  TGATE_CO_RETURN_IF_ERROR(co_await store_.PutLinkToken(token));
  link.url = "https://t.me/" + std::string(bot_username) + "?start=" + link.token;
  link.start_command = "/start " + link.token;
  co_return link;
}

Awaitable<Result<Redeemed>> Linker::Redeem(store::LinkStore& tx, std::string_view bot, std::string_view token,
                                           int64_t chat_id) {
  if (!LooksLikeLinkToken(token)) co_return Redeemed{};
  auto taken = co_await tx.TakeLinkToken(token);
  if (!taken.ok()) {
    if (taken.status().IsNotFound()) co_return Redeemed{};
    co_return taken.status();
  }
  if (taken->bot != bot) {
    // A token for another bot is not ours to consume here: put it back.
    TGATE_CO_RETURN_IF_ERROR(co_await tx.PutLinkToken(*taken));
    co_return Redeemed{};
  }
  int64_t now = clock_.UnixSeconds();
  if (taken->expires_at < now) co_return Redeemed{RedeemResult::kExpired, {}};
  const store::Binding binding{std::string(bot), taken->user, chat_id, store::UserStatus::kActive, now};
  TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
  co_return Redeemed{RedeemResult::kLinked, taken->user};
}

}  // namespace tgate::link
