#include "link/link_token.h"

#include "core/random.h"

namespace tgate::link {

namespace {
constexpr size_t kTokenBytes = 32;  // 256 bits
constexpr size_t kTokenChars = 43;  // base64url of 32 bytes, no padding
constexpr std::string_view kReferralPrefix = "_tgr_";
}  // namespace

std::string NewLinkToken() {
  for (;;) {
    std::string t = RandomBase64Url(kTokenBytes);
    if (t.rfind(kReferralPrefix, 0) != 0) return t;
  }
}

bool LooksLikeLinkToken(std::string_view payload) {
  if (payload.size() != kTokenChars) return false;
  for (char c : payload) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace tgate::link
