// Classification of Bot API answers (see api_result.h). Rules from
// botapi-facts.md §5: key on the HTTP status, then `parameters`, then the
// description prefix; never on free text alone.
#include "telegram/api_result.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>
#include <optional>
#include <string>

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

// The fields of a Bot API answer that classification reads.
struct Envelope {
  bool json = false;  // an object whose "ok" is a boolean
  bool ok = false;
  std::optional<std::string> description;  // when a string
  std::optional<int64_t> error_code;       // each when a JSON integer (JsonInt64)
  std::optional<int64_t> retry_after;      // parameters.retry_after
  std::optional<int64_t> migrate_to;       // parameters.migrate_to_chat_id
  std::optional<int64_t> message_id;       // result.message_id
};

Envelope FromDom(boost::json::object* obj) {
  Envelope e;
  const boost::json::value* ok = obj ? obj->if_contains("ok") : nullptr;
  if (ok == nullptr || !ok->is_bool()) return e;
  e.json = true;
  e.ok = ok->get_bool();
  if (const boost::json::value* d = obj->if_contains("description"); d && d->is_string()) {
    e.description.emplace(d->get_string().data(), d->get_string().size());
  }
  e.error_code = JsonInt64Field(obj, "error_code");
  const boost::json::value* params_value = obj->if_contains("parameters");
  const boost::json::object* params = params_value ? params_value->if_object() : nullptr;
  e.retry_after = JsonInt64Field(params, "retry_after");
  e.migrate_to = JsonInt64Field(params, "migrate_to_chat_id");
  const boost::json::value* result = obj->if_contains("result");
  e.message_id = JsonInt64Field(result ? result->if_object() : nullptr, "message_id");
  return e;
}

// Boost.JSON's SAX handler reading an Envelope off an answer as it is
// parsed, nothing built: the top-level object's fields, and those of its
// "parameters" and "result" objects that classification reads. A field given
// twice counts as the DOM counts it: the last one.
class EnvelopeHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  Envelope envelope;
  bool top_is_object = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (depth_ == 0) top_is_object = true;
    if (depth_ == 1 && (field_ == Field::kParameters || field_ == Field::kResult)) inner_ = field_;
    ++depth_;
    field_ = Field::kOther;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) { return Leave(); }
  bool on_array_begin(boost::system::error_code&) {
    ++depth_;
    field_ = Field::kOther;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) { return Leave(); }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (key_.empty()) {  // the whole key in one piece, as nearly always: not copied
      field_ = FieldOf({s.data(), s.size()});
      return true;
    }
    key_.append(s.data(), s.size());
    field_ = FieldOf(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (field_ == Field::kDescription) text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    if (field_ == Field::kDescription) {
      text_.append(s.data(), s.size());
      envelope.description = std::move(text_);
      text_.clear();
    }
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(int64_t v, boost::json::string_view, boost::system::error_code&) { return Integer(v); }
  bool on_uint64(uint64_t v, boost::json::string_view, boost::system::error_code&) {
    if (v > uint64_t(std::numeric_limits<int64_t>::max())) return true;  // JsonInt64: too large
    return Integer(static_cast<int64_t>(v));
  }
  bool on_double(double, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool b, boost::system::error_code&) {
    if (field_ == Field::kOk) {
      envelope.ok = b;
      ok_is_bool_ = true;
    }
    return true;
  }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

  bool ok_is_bool() const { return ok_is_bool_; }

 private:
  // The field a value at hand is for: a top-level one, or within
  // "parameters" or "result" (inner_), or none that matters.
  enum class Field {
    kOther,
    kOk,
    kDescription,
    kErrorCode,
    kParameters,
    kResult,
    kRetryAfter,
    kMigrateTo,
    kMessageId
  };

  // The field `key` names where it stands, the value it had cleared: a later
  // value for a key replaces the earlier one (the DOM keeps the last).
  Field FieldOf(std::string_view key) {
    Field f = Field::kOther;
    if (depth_ > 2) return f;  // deeper than any field read (the sender's, the chat's)
    if (depth_ == 1) {
      if (key == "ok") f = Field::kOk;
      if (key == "description") f = Field::kDescription;
      if (key == "error_code") f = Field::kErrorCode;
      if (key == "parameters") f = Field::kParameters;
      if (key == "result") f = Field::kResult;
    } else if (depth_ == 2 && inner_ == Field::kParameters) {
      if (key == "retry_after") f = Field::kRetryAfter;
      if (key == "migrate_to_chat_id") f = Field::kMigrateTo;
    } else if (depth_ == 2 && inner_ == Field::kResult && key == "message_id") {
      f = Field::kMessageId;
    }
    Clear(f);
    return f;
  }

  void Clear(Field f) {
    switch (f) {
      case Field::kOk:
        ok_is_bool_ = false;
        break;
      case Field::kDescription:
        envelope.description.reset();
        break;
      case Field::kErrorCode:
        envelope.error_code.reset();
        break;
      case Field::kParameters:
        envelope.retry_after.reset();
        envelope.migrate_to.reset();
        break;
      case Field::kResult:
        envelope.message_id.reset();
        break;
      case Field::kRetryAfter:
        envelope.retry_after.reset();
        break;
      case Field::kMigrateTo:
        envelope.migrate_to.reset();
        break;
      case Field::kMessageId:
        envelope.message_id.reset();
        break;
      case Field::kOther:
        break;
    }
  }

  bool Integer(int64_t v) {
    switch (field_) {
      case Field::kErrorCode:
        envelope.error_code = v;
        break;
      case Field::kRetryAfter:
        envelope.retry_after = v;
        break;
      case Field::kMigrateTo:
        envelope.migrate_to = v;
        break;
      case Field::kMessageId:
        envelope.message_id = v;
        break;
      default:
        break;
    }
    return true;
  }

  bool Leave() {
    --depth_;
    if (depth_ <= 1) inner_ = Field::kOther;
    field_ = Field::kOther;
    return true;
  }

  int depth_ = 0;
  Field field_ = Field::kOther;
  Field inner_ = Field::kOther;  // the depth-1 object being read (parameters, result)
  bool ok_is_bool_ = false;
  std::string key_;
  std::string text_;
};

// The Envelope of `body` read by the SAX handler: what FromDom reads of its
// DOM. `any_bytes_in_strings`: strings are not checked to be UTF-8.
Envelope Scan(std::string_view body, bool any_bytes_in_strings) {
  boost::json::parse_options options;
  options.allow_invalid_utf8 = any_bytes_in_strings;
  boost::json::basic_parser<EnvelopeHandler> parser(options);
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  const EnvelopeHandler& h = parser.handler();
  if (ec || used != body.size() || !h.top_is_object || !h.ok_is_bool()) return Envelope{};
  Envelope e = h.envelope;
  e.json = true;
  return e;
}

ApiResult Classified(unsigned http_status, const Envelope& e, int retry_after_header) {
  ApiResult r;
  r.http_status = http_status;
  if (!e.json) {
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
  if (e.description) r.description = RedactTokens(*e.description);
  if (e.ok) {
    r.kind = ErrorKind::kNone;
    if (e.message_id) r.message_id = *e.message_id;
    return r;
  }
  // The HTTP status is authoritative; error_code only stands in when the
  // status is missing or 2xx (a misbehaving proxy).
  unsigned status = http_status;
  if (status < 300 && e.error_code && *e.error_code > 0 && *e.error_code < 1000) {
    status = unsigned(*e.error_code);
  }
  if (status == 429 || (e.retry_after && *e.retry_after > 0)) {
    r.kind = ErrorKind::kRetryAfter;
    r.retry_after = RetryAfterSeconds(e.retry_after, retry_after_header, r.description);
  } else if (e.migrate_to && *e.migrate_to != 0) {
    r.kind = ErrorKind::kMigrated;
    r.migrate_to_chat_id = *e.migrate_to;
  } else {
    r.kind = KindOfFailure(status, r.description);
  }
  return r;
}

}  // namespace

ApiResult Classify(unsigned http_status, std::string_view body, int retry_after_header, ResultUse use) {
  if (use == ResultUse::kMessageId) {
    // Telegram echoes the text just sent. Checking its UTF-8 byte by byte,
    // off Boost.JSON's SIMD path for anything not ASCII, cost more than all
    // the rest of a send (a 3,000-byte Cyrillic text: 56,000 instructions of
    // tgate's 124,000 per delivered message, callgrind). A success keeps
    // nothing of its strings but says the message went out, so it is read
    // without that check; any other answer, or a success with a description
    // (which is kept), is read again with it.
    const Envelope quick = Scan(body, /*any_bytes_in_strings=*/true);
    if (quick.json && quick.ok && !quick.description)
      return Classified(http_status, quick, retry_after_header);
    return Classified(http_status, Scan(body, false), retry_after_header);
  }
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  boost::json::object* obj = ec ? nullptr : doc.if_object();
  ApiResult r = Classified(http_status, FromDom(obj), retry_after_header);
  if (r.ok()) {
    if (boost::json::value* result = obj->if_contains("result"))
      r.result = std::move(*result);  // same storage: no copy
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
