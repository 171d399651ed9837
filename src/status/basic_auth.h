// BasicAuth: checks an HTTP Basic `Authorization` header (RFC 7617) against
// one password, any user name: how a browser shows the status page behind
// the API key. Strict base64; the password compare takes constant time.
// Not the site API's Bearer check (api/router.cc) and not a user database.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tgate::status {

// Standard base64 (with padding) to bytes; nullopt on anything else.
std::optional<std::string> DecodeBase64(std::string_view in);

// Whether `authorization` (the header's value; empty when absent) is
// "Basic <base64 of user:password>" with password == `password`.
bool BasicAuthMatches(std::string_view authorization, std::string_view password);

// The WWW-Authenticate value a 401 carries.
inline constexpr std::string_view kBasicChallenge = "Basic realm=\"tgate\", charset=\"UTF-8\"";

}  // namespace tgate::status
