#include "api/readiness.h"

#include <boost/json.hpp>

namespace tgate::api {

ReadinessVerdict JudgeReadiness(const std::vector<BotReadiness>& bots, const Status& database) {
  boost::json::object why;
  boost::json::array in_outage;
  for (const BotReadiness& b : bots) {
    if (b.outage) {
      in_outage.emplace_back(b.name);
      why[b.name] = "Telegram cannot be reached: sending is paused and accepted messages wait";
    } else if (!b.getme_ok) {
      why[b.name] =
          b.getme_error.empty() ? "getMe has not answered yet (starting)" : "getMe failed: " + b.getme_error;
    }
  }
  if (why.empty() && database.ok()) return {200, R"({"status":"ready"})"};
  boost::json::object out{{"status", "not_ready"}};
  if (!why.empty()) out["bots"] = std::move(why);
  if (!in_outage.empty()) out["bots_in_outage"] = std::move(in_outage);
  if (!database.ok()) out["database"] = "not writable: " + database.message();
  return {503, boost::json::serialize(out)};
}

}  // namespace tgate::api
