#include "tools/emulator/bot_reply.h"

#include <boost/json/serialize.hpp>

#include "core/json_numbers.h"

namespace tgate::emulator {

std::string BotReply::Body() const {
  if (raw) return raw_body;
  boost::json::object o;
  if (status == 200) {
    o["ok"] = true;
    o["result"] = result;
    if (!description.empty()) o["description"] = description;
  } else {
    o["ok"] = false;
    o["error_code"] = status;
    o["description"] = description;
    if (!parameters.empty()) o["parameters"] = parameters;
  }
  return boost::json::serialize(o);
}

int64_t BotReply::RetryAfter() const {
  if (status != 429) return -1;
  return JsonInt64Field(parameters, "retry_after").value_or(-1);
}

BotReply BotReply::Ok(boost::json::value result, std::string description) {
  BotReply r;
  r.result = std::move(result);
  r.description = std::move(description);
  return r;
}

BotReply BotReply::Error(unsigned status, std::string description, boost::json::object parameters) {
  BotReply r;
  r.status = status;
  r.description = std::move(description);
  r.parameters = std::move(parameters);
  return r;
}

BotReply BotReply::TooManyRequests(int64_t retry_after) {
  // Query.cpp set_retry_after_error (botapi-facts.md §1).
  return Error(429, "Too Many Requests: retry after " + std::to_string(retry_after),
               boost::json::object{{"retry_after", retry_after}});
}

}  // namespace tgate::emulator
