// Bot token shape check and safe display. A token is "<bot id>:<secret>" as
// issued by @BotFather; the rule here is botapi-facts.md §9's suggested
// `^[1-9][0-9]{0,15}:[A-Za-z0-9_-]{30,64}$` (stricter than the server, which
// is fine for real tokens). Fake tokens in tests must satisfy it too, e.g.
// "123456:TEST_fake_token_for_tests_only_xxxxxxxx".
// Not an authenticity check: only getMe proves a token works. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace tgate::telegram {

// OK, or InvalidArgument with a message that never contains the token.
Status ValidateBotToken(std::string_view token);

// "bot<id>:***" for logs (the id part alone is not secret).
std::string RedactedBotToken(std::string_view token);

}  // namespace tgate::telegram
