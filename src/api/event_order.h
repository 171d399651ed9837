// EventOrderKey: which of the site's events must reach it one after another.
// Events about one chat of one bot keep their order: the EventsSender has at
// most one of them on its way at a time, and sends events of other chats
// beside it. The chat is the event's "chat_id" (tgate's own events: user.*,
// message.*), else, for an "update", the chat Telegram itself keeps an
// update's order in (botapi-facts.md, per-chat ordering): the chat of the
// message, member change, join request or reaction; a callback query's
// message's chat; else its sender or user (inline queries, payments, poll
// answers), whose private chat has the same id. Not a parser of events, and
// not a promise of order across a retry: an event the site refused goes
// again later, and the events after it do not wait for it (as before).
// Pure function, any thread.
#pragma once

#include <string>
#include <string_view>

namespace tgate::api {

// "<bot>/<chat id>", or "" when the payload names no chat (it waits for no
// other event) or is not a JSON object.
std::string EventOrderKey(std::string_view payload);

}  // namespace tgate::api
