// Cryptographically secure randomness (OpenSSL's CSPRNG) and hashing, for
// link tokens, API keys and derived secrets. Not for simulations: use
// <random> with a seed there.
#pragma once

#include <string>
#include <string_view>

namespace tgate {

// `bytes` random bytes from the CSPRNG, base64url-encoded without padding.
// Aborts if the CSPRNG fails (a machine without entropy cannot run tgate safely).
std::string RandomBase64Url(size_t bytes);

// SHA-256(data) as lowercase hex (64 characters).
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256(key, data) as lowercase hex.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// HMAC-SHA256(key, data) base64url-encoded without padding (43 chars).
std::string HmacSha256Base64Url(std::string_view key, std::string_view data);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tgate
