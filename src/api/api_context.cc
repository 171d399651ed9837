#include "api/api_context.h"

namespace tgate::api {

Result<const BotHandle*> ApiContext::FindBot(std::string_view name) const {
  const config::BotConfig* b = config.FindBot(name);
  if (!b) return Status::NotFound("unknown bot '" + std::string(name) + "'");
  auto it = bots.find(b->name);
  if (it == bots.end()) return Status::NotFound("bot '" + b->name + "' is not running");
  return &it->second;
}

int64_t ApiContext::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count();
}

}  // namespace tgate::api
