// Classification of Bot API answers (see api_result.h). Rules from
// botapi-facts.md §5: key on the HTTP status, then `parameters`, then the
// description prefix; never on free text alone.
#include "telegram/api_result.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>
#include <optional>

#include "core/json_numbers.h"
#include "telegram/redact.h"

namespace tgate::telegram {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

int ClampSeconds(int64_t s) {
  return static_cast<int>(std::clamp<int64_t>(s, 1, std::numeric_limits<int>::max()));
}

// N from "Too Many Requests: retry after N" (Query.cpp set_retry_after_error).
std::optional<int64_t> RetryAfterFromText(std::string_view description) {
  constexpr std::string_view kMarker = "retry after ";
  size_t at = description.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = description.substr(at + kMarker.size());
  int64_t n = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (ec != std::errc() || n <= 0) return std::nullopt;
  return n;
}

// Wait for a 429: parameters.retry_after, else the Retry-After header, else
// the number in the description, else 1 s.
int RetryAfterSeconds(std::optional<int64_t> parameter, int header, std::string_view description) {
  if (parameter && *parameter > 0) return ClampSeconds(*parameter);
  if (header > 0) return header;
  if (auto n = RetryAfterFromText(description)) return ClampSeconds(*n);
  return 1;
}

ErrorKind KindOfFailure(unsigned status, std::string_view description) {
  switch (status) {
    case 400:
      if (StartsWith(description, "Bad Request: chat not found") ||
          StartsWith(description, "Bad Request: private chat not found")) {
        return ErrorKind::kChatNotFound;
      }
      return ErrorKind::kBadRequest;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      if (StartsWith(description, "Forbidden: bot was blocked by the user")) return ErrorKind::kBlocked;
      if (StartsWith(description, "Forbidden: user is deactivated")) return ErrorKind::kDeactivated;
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 409:
      return ErrorKind::kConflict;
    default:
      // The server maps unknown codes to 400 (botapi-facts.md §5); 5xx are transient.
      return status >= 500 ? ErrorKind::kServerError : ErrorKind::kBadRequest;
  }
}

}  // namespace

ApiResult Classify(unsigned http_status, std::string_view body, int retry_after_header) {
  ApiResult r;
  r.http_status = http_status;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  boost::json::object* obj = ec ? nullptr : doc.if_object();
  const boost::json::value* ok = obj ? obj->if_contains("ok") : nullptr;
  if (ok == nullptr || !ok->is_bool()) {
    // Not the Bot API's JSON: typically a proxy's HTML error page. A 429 from
    // a proxy still means "slow down"; anything else is a server problem.
    if (http_status == 429) {
      r.kind = ErrorKind::kRetryAfter;
      r.retry_after = RetryAfterSeconds(std::nullopt, retry_after_header, "");
    } else {
      r.kind = ErrorKind::kServerError;
    }
    r.description = "unexpected non-JSON answer (HTTP " + std::to_string(http_status) + ")";
    return r;
  }
  if (const boost::json::string* d =
          obj->contains("description") ? obj->at("description").if_string() : nullptr) {
    r.description = RedactTokens(std::string_view(d->data(), d->size()));
  }
  if (ok->get_bool()) {
    r.kind = ErrorKind::kNone;
    if (boost::json::value* result = obj->if_contains("result"))
      r.result = std::move(*result);  // same storage: no copy
    return r;
  }
  // The HTTP status is authoritative; error_code only stands in when the
  // status is missing or 2xx (a misbehaving proxy).
  unsigned status = http_status;
  if (status < 300) {
    if (auto code = JsonInt64Field(obj, "error_code"); code && *code > 0 && *code < 1000)
      status = unsigned(*code);
  }
  const boost::json::value* params_value = obj->if_contains("parameters");
  const boost::json::object* params = params_value ? params_value->if_object() : nullptr;
  auto retry_after = JsonInt64Field(params, "retry_after");
  auto migrate_to = JsonInt64Field(params, "migrate_to_chat_id");
  if (status == 429 || (retry_after && *retry_after > 0)) {
    r.kind = ErrorKind::kRetryAfter;
    r.retry_after = RetryAfterSeconds(retry_after, retry_after_header, r.description);
  } else if (migrate_to && *migrate_to != 0) {
    r.kind = ErrorKind::kMigrated;
    r.migrate_to_chat_id = *migrate_to;
  } else {
    r.kind = KindOfFailure(status, r.description);
  }
  return r;
}

ApiResult NetworkFailure(std::string what) {
  ApiResult r;
  r.kind = ErrorKind::kNetwork;
  r.description = RedactTokens(what);
  return r;
}

std::string_view ToString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "ok";
    case ErrorKind::kRetryAfter:
      return "retry_after";
    case ErrorKind::kBlocked:
      return "blocked";
    case ErrorKind::kDeactivated:
      return "deactivated";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kChatNotFound:
      return "chat_not_found";
    case ErrorKind::kMigrated:
      return "migrated";
    case ErrorKind::kBadRequest:
      return "bad_request";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kServerError:
      return "server_error";
    case ErrorKind::kNetwork:
      return "network";
  }
  return "unknown";
}

}  // namespace tgate::telegram
