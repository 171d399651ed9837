#include "cluster/instance_id.h"

#include <unistd.h>

#include <cctype>

#include "core/random.h"

namespace tgate::cluster {
namespace {

constexpr size_t kMaxHostChars = 40;

std::string HostPart() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "host";
  std::string out;
  for (const char* p = host; *p != '\0' && out.size() < kMaxHostChars; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    out += (std::isalnum(c) || c == '.' || c == '-') ? static_cast<char>(c) : '-';
  }
  return out;
}

}  // namespace

std::string NewInstanceId() {
  // 6 random bytes: 8 characters, 2^48 values, so a pid reused by a restart
  // (or by another container with the same hostname) still differs.
  return HostPart() + "-" + std::to_string(getpid()) + "-" + RandomBase64Url(6);
}

}  // namespace tgate::cluster
