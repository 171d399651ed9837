// Keeping database passwords out of messages: Redact (connection.h) masks the
// password of a connection string; ScrubSecret masks a known password wherever
// it appears in a message (libpq may quote parts of the connection string).
// Not a general secret scanner: bot tokens have telegram/redact.h.
#pragma once

#include <string>
#include <string_view>

namespace tgate::pg {

// `message` with every occurrence of `secret` replaced by "***" (unchanged
// when `secret` is empty).
std::string ScrubSecret(std::string message, std::string_view secret);

}  // namespace tgate::pg
