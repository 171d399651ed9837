#include "link/linker.h"

#include "core/status_macros.h"
#include "link/link_token.h"

namespace tgate::link {

Result<IssuedLink> Linker::Issue(std::string_view bot, std::string_view bot_username, std::string_view user,
                                 int64_t ttl_seconds) {
  IssuedLink link;
  link.token = NewLinkToken();
  link.expires_at = clock_.UnixSeconds() + ttl_seconds;
  TGATE_RETURN_IF_ERROR(store_.PutLinkToken(
      store::LinkToken{link.token, std::string(bot), std::string(user), link.expires_at}));
  link.url = "https://t.me/" + std::string(bot_username) + "?start=" + link.token;
  link.start_command = "/start " + link.token;
  return link;
}

Result<Redeemed> Linker::Redeem(std::string_view bot, std::string_view token, int64_t chat_id) {
  if (!LooksLikeLinkToken(token)) return Redeemed{};
  auto taken = store_.TakeLinkToken(token);
  if (!taken.ok()) {
    if (taken.status().IsNotFound()) return Redeemed{};
    return taken.status();
  }
  if (taken->bot != bot) {
    // A token for another bot is not ours to consume here: put it back.
    TGATE_RETURN_IF_ERROR(store_.PutLinkToken(*taken));
    return Redeemed{};
  }
  int64_t now = clock_.UnixSeconds();
  if (taken->expires_at < now) return Redeemed{RedeemResult::kExpired, {}};
  TGATE_RETURN_IF_ERROR(
      store_.Bind(store::Binding{std::string(bot), taken->user, chat_id, store::UserStatus::kActive, now}));
  return Redeemed{RedeemResult::kLinked, taken->user};
}

}  // namespace tgate::link
