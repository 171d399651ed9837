// Fuzzes Classify (telegram/api_result.h) with a Bot API answer: the first two
// bytes pick the HTTP status (100-699), the third the Retry-After header (-1 =
// none), the rest is the body. Invariants: "ok" exactly when the body is a JSON
// object with "ok": true; a 429 class always waits at least 1 s; a migration
// always names a chat; the description holds nothing shaped like a bot token
// (redacting it again changes nothing); and reading only the message_id (the
// SAX parser, ResultUse::kMessageId) classifies exactly as the DOM does, but
// takes a success with no description even when its strings are not UTF-8.
#include <boost/json.hpp>

#include "core/json_numbers.h"
#include "fuzz/fuzz_check.h"
#include "telegram/api_result.h"
#include "telegram/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tgate::telegram::ErrorKind;
  if (size < 3) return 0;
  unsigned status = 100 + ((unsigned(data[0]) << 8 | data[1]) % 600);
  int retry_header = int(data[2]) - 1;
  std::string_view body = tgate::fuzz::AsText(data + 3, size - 3);

  tgate::telegram::ApiResult r = tgate::telegram::Classify(status, body, retry_header);
  FUZZ_CHECK(r.http_status == status);
  FUZZ_CHECK(tgate::telegram::ToString(r.kind) != "unknown");
  FUZZ_CHECK(r.kind != ErrorKind::kNetwork);  // only NetworkFailure() says that

  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();
  const boost::json::value* ok = obj ? obj->if_contains("ok") : nullptr;
  bool says_ok = ok && ok->is_bool() && ok->get_bool();
  FUZZ_CHECK(r.ok() == says_ok);
  if (!r.ok()) FUZZ_CHECK(r.result.is_null());

  if (r.kind == ErrorKind::kRetryAfter) {
    FUZZ_CHECK(r.retry_after >= 1);
    FUZZ_CHECK(r.transient());
  } else {
    FUZZ_CHECK(r.retry_after == 0);
  }
  FUZZ_CHECK((r.kind == ErrorKind::kMigrated) == (r.migrate_to_chat_id != 0));
  if (r.kind == ErrorKind::kServerError) FUZZ_CHECK(r.transient());
  if (r.kind == ErrorKind::kBlocked || r.kind == ErrorKind::kDeactivated ||
      r.kind == ErrorKind::kBadRequest || r.kind == ErrorKind::kChatNotFound ||
      r.kind == ErrorKind::kUnauthorized) {
    FUZZ_CHECK(!r.transient());
  }
  FUZZ_CHECK(tgate::telegram::RedactTokens(r.description) == r.description);

  tgate::telegram::ApiResult lean =
      tgate::telegram::Classify(status, body, retry_header, tgate::telegram::ResultUse::kMessageId);
  boost::json::parse_options any_bytes;
  any_bytes.allow_invalid_utf8 = true;
  boost::system::error_code loose_ec;
  boost::json::value loose = boost::json::parse(body, loose_ec, {}, any_bytes);
  const boost::json::object* loose_obj = loose_ec ? nullptr : loose.if_object();
  const boost::json::value* loose_ok = loose_obj ? loose_obj->if_contains("ok") : nullptr;
  const boost::json::value* loose_description = loose_obj ? loose_obj->if_contains("description") : nullptr;
  if (ec && loose_ok && loose_ok->is_bool() && loose_ok->get_bool() &&
      !(loose_description && loose_description->is_string())) {
    // Not UTF-8 in a string of a success with no description: a success.
    FUZZ_CHECK(lean.ok() && lean.description.empty() && lean.retry_after == 0);
    const boost::json::value* result = loose_obj->if_contains("result");
    const std::optional<int64_t> id =
        tgate::JsonInt64Field(result ? result->if_object() : nullptr, "message_id");
    FUZZ_CHECK(lean.message_id == id.value_or(0));
  } else {
    FUZZ_CHECK(lean.kind == r.kind);
    FUZZ_CHECK(lean.http_status == r.http_status);
    FUZZ_CHECK(lean.description == r.description);
    FUZZ_CHECK(lean.retry_after == r.retry_after);
    FUZZ_CHECK(lean.migrate_to_chat_id == r.migrate_to_chat_id);
    FUZZ_CHECK(lean.message_id == r.message_id);
  }
  FUZZ_CHECK(lean.result.is_null());

  // A transport failure's text is redacted the same way.
  tgate::telegram::ApiResult n = tgate::telegram::NetworkFailure(std::string(body));
  FUZZ_CHECK(n.kind == ErrorKind::kNetwork && n.transient());
  FUZZ_CHECK(tgate::telegram::RedactTokens(n.description) == n.description);
  return 0;
}
