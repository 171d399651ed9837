#include "store/store_validation.h"

namespace tgate::store {

Status ValidateNewMessage(const NewMessage& message) {
  if (message.bot.empty()) return Status::InvalidArgument("message has no bot");
  if (message.chat_id == 0 && message.user.empty())
    return Status::InvalidArgument("message has no chat_id and no user");
  return Status::Ok();
}

Result<int64_t> AddressedChat(std::string_view user, const Result<Binding>& binding) {
  if (!binding.ok()) {
    if (binding.status().IsNotFound())
      return Status::NotFound("user '" + std::string(user) + "' is not linked to this bot");
    return binding.status();
  }
  if (binding->status == UserStatus::kBlocked) {
    return Status::Conflict("user '" + std::string(user) +
                            "' has blocked the bot; nothing can be sent until they unblock it");
  }
  return binding->chat_id;
}

Status ValidateNewBroadcast(const NewBroadcast& broadcast) {
  if (broadcast.bot.empty()) return Status::InvalidArgument("broadcast has no bot");
  if (broadcast.spread_seconds < 0) return Status::InvalidArgument("spread_seconds must be >= 0");
  if (!broadcast.all && broadcast.users.empty()) {
    return Status::InvalidArgument("broadcast needs all=true or a list of users");
  }
  return Status::Ok();
}

}  // namespace tgate::store
