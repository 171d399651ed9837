// Readiness: the verdict of GET /readyz from what is known of each bot and of
// the database — ready (200 {"status":"ready"}) only when every bot can reach
// Telegram (getMe answered since the start, and no Bot API outage under way)
// and the database takes writes; else 503 with a JSON body naming each bot
// that is not ready and why, and the database's error:
//   {"status":"not_ready","bots":{"<name>":"<why>"},"bots_in_outage":[...],
//    "database":"<why>"}
// A pure function: the Router gathers the facts (api_context.h, write_probe.h).
// Not liveness (/healthz answers while the process serves at all).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace tgate::api {

struct BotReadiness {
  std::string name;
  bool outage = false;      // the dispatcher's outage monitor: Telegram cannot be reached now
  bool getme_ok = false;    // getMe answered since the start (the bot's identity is known)
  std::string getme_error;  // its last failure while it has not ("": still waiting for the first)
};

struct ReadinessVerdict {
  unsigned status = 200;  // 200 or 503
  std::string body;       // JSON
};

ReadinessVerdict JudgeReadiness(const std::vector<BotReadiness>& bots, const Status& database);

}  // namespace tgate::api
