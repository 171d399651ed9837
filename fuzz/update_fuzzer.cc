// Fuzzes ParseUpdate and StartPayload (telegram/update.h) with the bytes of a
// webhook or getUpdates update. Invariants: an accepted update has a
// non-negative update_id equal to the JSON's; its text spliced into an event
// (as the processor forwards it) makes valid JSON whose "update" parses to
// the same fields; a /start payload is trimmed and never found for a named
// bot when it is not found for any bot.
#include <boost/json.hpp>

#include "fuzz/fuzz_check.h"
#include "telegram/update.h"

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void CheckSame(const tgate::telegram::ParsedUpdate& a, const tgate::telegram::ParsedUpdate& b) {
  FUZZ_CHECK(a.update_id == b.update_id);
  FUZZ_CHECK(a.kind == b.kind);
  FUZZ_CHECK(a.chat_id == b.chat_id);
  FUZZ_CHECK(a.chat_type == b.chat_type);
  FUZZ_CHECK(a.from_id == b.from_id);
  FUZZ_CHECK(a.from_username == b.from_username);
  FUZZ_CHECK(a.text == b.text);
  FUZZ_CHECK(a.new_status == b.new_status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tgate::telegram::ParsedUpdate;
  auto parsed = tgate::telegram::ParseUpdate(tgate::fuzz::AsText(data, size));
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == tgate::Code::kInvalidArgument);
    return 0;
  }
  const ParsedUpdate& u = *parsed;
  FUZZ_CHECK(u.update_id >= 0);
  const std::string_view text = tgate::fuzz::AsText(data, size);
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text, ec);
  FUZZ_CHECK(!ec && doc.is_object());
  const boost::json::value& id = doc.as_object().at("update_id");
  FUZZ_CHECK(id.is_int64() ? id.get_int64() == u.update_id : id.get_uint64() == uint64_t(u.update_id));
  if (u.kind == ParsedUpdate::kOther) {
    FUZZ_CHECK(u.chat_id == 0 && u.from_id == 0 && u.text.empty() && u.new_status.empty());
  }
  if (u.kind != ParsedUpdate::kMyChatMember) FUZZ_CHECK(u.new_status.empty());

  // The processor forwards the text spliced into its event
  // (webhook/update_processor.cc, Forward): the event must be JSON, and its
  // update what was parsed.
  const std::string event = R"({"type":"update","update":)" + std::string(text) + R"(,"bot":"b"})";
  boost::json::parse_options deeper;  // the event nests the update one level down
  deeper.max_depth = 64;
  const boost::json::value ev = boost::json::parse(event, ec, {}, deeper);
  FUZZ_CHECK(!ec && ev.is_object());
  auto again = tgate::telegram::ParseUpdate(boost::json::serialize(ev.as_object().at("update")));
  FUZZ_CHECK(again.ok());
  CheckSame(u, *again);

  auto any_bot = tgate::telegram::StartPayload(u, "");
  auto named = tgate::telegram::StartPayload(u, "@TGate_Bot");
  if (any_bot) {
    FUZZ_CHECK(u.kind == ParsedUpdate::kMessage);
    FUZZ_CHECK(u.text.rfind("/start", 0) == 0);
    FUZZ_CHECK(any_bot->empty() || (!IsSpace(any_bot->front()) && !IsSpace(any_bot->back())));
    FUZZ_CHECK(any_bot->size() + 6 <= u.text.size());
  }
  if (named) FUZZ_CHECK(any_bot && *any_bot == *named);
  if (!any_bot) FUZZ_CHECK(!named);
  return 0;
}
