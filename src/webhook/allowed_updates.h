// The update types tgate asks Telegram for, passed explicitly to setWebhook and
// getUpdates. Telegram keeps the last explicit list ("If not specified, the
// previous setting will be used"), so an old list without my_chat_member would
// silently hide blocks and unblocks (botapi-facts.md §7).
#pragma once

#include <boost/json/array.hpp>

namespace tgate::webhook {

// Every default type plus my_chat_member (which the default includes too, but
// a stale explicit list might not).
inline boost::json::array AllowedUpdates() {
  return {"message",          "edited_message",     "channel_post", "edited_channel_post",
          "business_message", "callback_query",     "inline_query", "chosen_inline_result",
          "shipping_query",   "pre_checkout_query", "poll",         "poll_answer",
          "my_chat_member",   "chat_join_request",  "chat_boost",   "removed_chat_boost"};
}

}  // namespace tgate::webhook
