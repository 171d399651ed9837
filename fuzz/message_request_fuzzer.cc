// Fuzzes the site API's body parsing (api/json_body.h, api/message_request.h)
// with the body of POST /v1/messages or /v1/broadcasts. Invariants: a refusal
// is a 400 or 422, never anything else; an accepted message keeps its text,
// has 1..4096 visible characters when formatted (at most 16 x 4096 plain), and
// its options are a JSON object of known sendMessage fields that, parsed again
// with the text, give the same content.
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/message_request.h"
#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "http/message.h"
#include "telegram/text_length.h"

namespace {

namespace json = boost::json;

bool KnownOption(std::string_view key) {
  for (std::string_view k : {"parse_mode", "entities", "disable_notification", "protect_content",
                             "reply_markup", "link_preview_options"}) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tgate::Code;
  tgate::http::Request req{boost::beast::http::verb::post, "/v1/messages", 11};
  req.body().assign(reinterpret_cast<const char*>(data), size);
  auto body = tgate::api::ParseJsonObject(req);
  if (!body.ok()) {
    FUZZ_CHECK(body.status().code() == Code::kInvalidArgument);
    return 0;
  }
  // Every value in a parsed body is valid UTF-8 (Boost.JSON checks it).
  for (const auto& kv : *body) {
    FUZZ_CHECK(tgate::IsValidUtf8(kv.key()));
    if (kv.value().is_string()) FUZZ_CHECK(tgate::IsValidUtf8(kv.value().get_string()));
  }
  (void)tgate::api::CheckFields(*body, {"bot", "user", "chat_id", "text", "parse_mode", "entities"});
  for (std::string_view key : {"chat_id", "spread_seconds", "ttl_seconds"}) {
    auto n = tgate::api::OptInt(*body, key);
    if (!n.ok()) FUZZ_CHECK(n.status().code() == Code::kInvalidArgument);
  }
  if (auto user = tgate::api::OptString(*body, "user"); user.ok() && *user) {
    tgate::Status s = tgate::api::CheckUserId(**user);
    FUZZ_CHECK(s.ok() == (!(*user)->empty() && (*user)->size() <= 128));
  }

  auto content = tgate::api::ParseMessageContent(*body);
  if (!content.ok()) {
    FUZZ_CHECK(content.status().code() == Code::kInvalidArgument ||
               content.status().code() == Code::kUnprocessable);
    return 0;
  }
  FUZZ_CHECK(content->text == std::string_view(body->at("text").as_string()));
  FUZZ_CHECK(tgate::IsValidUtf8(content->text));
  json::error_code ec;
  json::value options = json::parse(content->options_json, ec);
  FUZZ_CHECK(!ec && options.is_object());
  for (const auto& kv : options.as_object()) FUZZ_CHECK(KnownOption(kv.key()));

  const json::value* mode = options.as_object().if_contains("parse_mode");
  if (mode != nullptr) {
    FUZZ_CHECK(mode->is_string());
    auto length = tgate::telegram::MessageTextLength(content->text, mode->as_string());
    FUZZ_CHECK(length.ok());
    FUZZ_CHECK(*length >= 1 && *length <= tgate::telegram::kMaxMessageTextLength);
  } else {
    FUZZ_CHECK(tgate::CountCodePoints(content->text) <= tgate::api::kMaxPlainTextCodePoints);
  }

  // What is stored (text + options) is what the dispatcher sends; read as a
  // request again it must be accepted alike.
  json::object again = options.as_object();
  again["text"] = content->text;
  auto reparsed = tgate::api::ParseMessageContent(again);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(reparsed->text == content->text);
  FUZZ_CHECK(json::parse(reparsed->options_json) == options);
  return 0;
}
