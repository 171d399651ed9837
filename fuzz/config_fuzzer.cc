// Fuzzes the TOML configuration (config/config.h): Parse, then the checks of
// `tgate serve` (ValidateForServe). Invariants: a refusal is InvalidArgument
// and never shows a bot token; a configuration accepted for serving has at
// least one bot, unique names, a token and a safe webhook path for each bot,
// limits within their ranges and a listen address that splits into host and
// port. The same text with TGATE_* overrides behaves alike.
#include <set>

#include "config/config.h"
#include "fuzz/fuzz_check.h"

namespace {

constexpr std::string_view kEnvToken = "555555555:CCHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

// A real token's shape (botapi-facts.md §9): 5-16 digits, ':', 20+ of
// [A-Za-z0-9_-]. Other "tokens" can coincide with message text by chance.
bool TokenShaped(std::string_view t) {
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon < 5 || colon > 16 || t.size() - colon - 1 < 20) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    bool ok = i < colon ? std::isdigit(static_cast<unsigned char>(c)) != 0
                        : i == colon || std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool SafePath(std::string_view p) {
  if (p.empty()) return false;
  for (char c : p) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void Check(std::string_view text, const tgate::config::Env& env) {
  using tgate::Code;
  auto parsed = tgate::config::Parse(text, env);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == Code::kInvalidArgument);
    if (text.find(kEnvToken) == std::string_view::npos) {
      FUZZ_CHECK(parsed.status().message().find(kEnvToken) == std::string::npos);
    }
    return;
  }
  tgate::config::Config c = *parsed;
  if (!c.bots.empty()) FUZZ_CHECK(c.FindBot("") == &c.bots.front());
  tgate::Status s = tgate::config::ValidateForServe(c);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Code::kInvalidArgument);
    for (const auto& b : c.bots) {
      // Messages quote other values (names, the listen address); a token
      // that also appears as one of those may show legitimately.
      size_t first = text.find(b.token);
      bool elsewhere = first != std::string_view::npos &&
                       (b.token == kEnvToken || text.find(b.token, first + 1) != std::string_view::npos);
      if (TokenShaped(b.token) && !elsewhere) FUZZ_CHECK(s.message().find(b.token) == std::string::npos);
    }
    return;
  }
  FUZZ_CHECK(!c.bots.empty());
  FUZZ_CHECK(!c.api_key.empty());
  FUZZ_CHECK(tgate::config::SplitHostPort(c.listen).ok());
  FUZZ_CHECK(c.retention_days >= 0 && c.link_ttl_seconds >= 10);
  std::set<std::string> names;
  for (const auto& b : c.bots) {
    FUZZ_CHECK(names.insert(b.name).second);
    FUZZ_CHECK(!b.token.empty());
    FUZZ_CHECK(SafePath(b.webhook_path));
    FUZZ_CHECK(b.webhook_secret.size() <= 256);
    FUZZ_CHECK(b.limits.max_in_flight >= 1 && b.limits.max_in_flight <= 1000);
    FUZZ_CHECK(b.limits.max_attempts >= 1 && b.limits.chat_burst >= 1);
    FUZZ_CHECK(b.limits.global_per_sec > 0 && b.limits.chat_per_sec > 0 && b.limits.group_per_min > 0);
    FUZZ_CHECK(c.FindBot(b.name) != nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tgate::fuzz::AsText(data, size);
  Check(text, {});
  Check(text, {{"TGATE_BOT_TOKEN", std::string(kEnvToken)},
               {"TGATE_API_KEY", "k"},
               {"TGATE_RETENTION_DAYS", "30"},
               {"TGATE_LIMIT_MAX_IN_FLIGHT", "1000"}});
  return 0;
}
