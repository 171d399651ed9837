// BotReply: one Bot API answer before it becomes HTTP: the JSON envelope
// {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":...,
// "parameters"?:{...}} with the matching HTTP status (botapi-facts.md §5), or
// a raw body for injected faults (a 502 HTML page), or "drop the connection".
// A plain value type; not tied to any transport.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace tgate::emulator {

struct BotReply {
  unsigned status = 200;
  boost::json::value result;       // for ok answers
  std::string description;         // error text; ok answers may carry one ("Webhook was set")
  boost::json::object parameters;  // ResponseParameters (retry_after, migrate_to_chat_id)
  // Injected faults: answer exactly this body (may be HTML) instead of JSON.
  bool raw = false;
  std::string raw_body;
  std::string raw_content_type;
  // Injected fault: close the connection without a valid answer.
  bool drop = false;

  bool ok() const { return status == 200 && !raw && !drop; }
  // The JSON (or raw) body to send.
  std::string Body() const;
  // Seconds for a Retry-After header, or -1 (set only for 429).
  int64_t RetryAfter() const;

  static BotReply Ok(boost::json::value result, std::string description = "");
  // `description` must already carry its prefix ("Bad Request: ...").
  static BotReply Error(unsigned status, std::string description, boost::json::object parameters = {});
  static BotReply BadRequest(std::string what) { return Error(400, "Bad Request: " + what); }
  // 429 "Too Many Requests: retry after N" with parameters.retry_after = N.
  static BotReply TooManyRequests(int64_t retry_after);
};

}  // namespace tgate::emulator
