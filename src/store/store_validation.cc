#include "store/store_validation.h"

namespace tgate::store {

Status ValidateNewMessage(const NewMessage& message) {
  if (message.bot.empty()) return Status::InvalidArgument("message has no bot");
  if (message.chat_id == 0) return Status::InvalidArgument("message has no chat_id");
  return Status::Ok();
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
