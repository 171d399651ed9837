// UTF-8 helpers: validation, length in the units Telegram cares about
// (code points for message limits, UTF-16 code units for entity offsets;
// botapi-facts.md §6), and encoding one code point (for decoded character
// references). Not a transcoder or normaliser. Pure functions, safe
// from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tgate {

// True if `s` is well-formed UTF-8 (RFC 3629): rejects overlong forms,
// UTF-16 surrogates (U+D800..U+DFFF), code points above U+10FFFF, stray
// continuation bytes and truncated sequences.
bool IsValidUtf8(std::string_view s);

// Number of code points in `s`. REQUIRES: IsValidUtf8(s) (otherwise the count
// is of non-continuation bytes, which is harmless but meaningless).
size_t CountCodePoints(std::string_view s);

// Number of UTF-16 code units `s` would take: 2 for code points above U+FFFF,
// 1 otherwise. REQUIRES: IsValidUtf8(s).
size_t CountUtf16Units(std::string_view s);

// Appends code point `cp` to `out` as UTF-8. REQUIRES: cp <= 0x10FFFF and not
// a surrogate (callers check what they decoded).
void AppendUtf8(std::string& out, uint32_t cp);

// `s` as valid UTF-8, for a JSON string (a log line, an error message quoting
// input): unchanged if it is; else its ASCII kept and every other byte shown
// as \xNN.
std::string AsUtf8(std::string_view s);

}  // namespace tgate
