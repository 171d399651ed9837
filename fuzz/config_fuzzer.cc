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
    FUZZ_CHECK(parsed.status().message().find(kEnvToken) == std::string::npos);
    return;
  }
  tgate::config::Config c = *parsed;
  if (!c.bots.empty()) FUZZ_CHECK(c.FindBot("") == &c.bots.front());
  tgate::Status s = tgate::config::ValidateForServe(c);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Code::kInvalidArgument);
    for (const auto& b : c.bots) {
      if (b.token.size() >= 8) FUZZ_CHECK(s.message().find(b.token) == std::string::npos);
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
