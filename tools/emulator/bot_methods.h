// Bot methods: the emulated Bot API methods other than getUpdates, as
// functions from (state, params, time) to a BotReply, with Telegram's exact
// answer shapes and error texts (botapi-facts.md §1, §2, §5, §6, §8).
// getUpdates waits, so it lives in long_poll.h. Pure apart from mutating the
// given BotState; time is an argument. Not thread-safe.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "tools/emulator/bot_reply.h"
#include "tools/emulator/bot_state.h"
#include "tools/emulator/params.h"

namespace tgate::emulator {

struct CallTime {
  SteadyTime now;       // for limits and retry schedules
  int64_t unix_ms = 0;  // for message dates and records
};

// getMe: the bot's User; `bot_id` is the numeric part of the token used.
BotReply GetMe(const BotState& state, int64_t bot_id);

// sendMessage: validation (text, parse_mode, chat_id), then the chat's
// scripted behaviour, then injected faults, then flood limits, then success:
// the Message is returned and recorded in state.sent.
BotReply SendMessage(BotState& state, const Params& params, int64_t bot_id, const CallTime& t);

// setWebhook / deleteWebhook / getWebhookInfo (botapi-facts.md §2). http://
// URLs are accepted, as by a --local server, so tests can use loopback.
BotReply SetWebhook(BotState& state, const Params& params);
BotReply DeleteWebhook(BotState& state, const Params& params);
BotReply GetWebhookInfo(const BotState& state);

// setMyCommands / getMyCommands (botapi-facts.md §8).
BotReply SetMyCommands(BotState& state, const Params& params);
BotReply GetMyCommands(const BotState& state);

// Parses an allowed_updates JSON array of strings; false if malformed.
bool ParseAllowedUpdates(const std::string& json, std::vector<std::string>& out);

}  // namespace tgate::emulator
