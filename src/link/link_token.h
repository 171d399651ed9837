// Link tokens: the one-time secrets carried by a deep link
// https://t.me/<bot>?start=<token>. 256 bits from the CSPRNG, base64url
// (43 characters: within Telegram's 64-character start parameter of
// [A-Za-z0-9_-]), never starting with "_tgr_", which Telegram apps treat as a
// referral link (botapi-facts.md §4). Not storage: see store::LinkToken.
#pragma once

#include <string>
#include <string_view>

namespace tgate::link {

// A fresh token.
std::string NewLinkToken();

// True if `payload` could be a token we issued (shape only; cheap check before
// touching the store).
bool LooksLikeLinkToken(std::string_view payload);

}  // namespace tgate::link
