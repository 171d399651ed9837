// Fuzzes ParseUpdate and StartPayload (telegram/update.h) with the bytes of a
// webhook or getUpdates update. Invariants: an accepted update has a
// non-negative update_id equal to the JSON's; its text spliced into an event
// (as the processor forwards it) makes valid JSON whose "update" parses to
// the same fields; a /start payload is trimmed and never found for a named
// bot when it is not found for any bot. And ParseUpdate, which reads as it
// parses, reads what a DOM of the update holds (DomParse: how it read before),
// refusing the same updates with the same reason, except one number no reader
// could parse where a later value of its key replaced it in the DOM (which
// then goes on to the later checks).
#include <boost/json.hpp>

#include "core/json_numbers.h"
#include "fuzz/fuzz_check.h"
#include "telegram/update.h"

namespace {

namespace json = boost::json;
using tgate::Result;
using tgate::Status;
using tgate::telegram::ParsedUpdate;

Status Refused(const std::string& why) { return Status::InvalidArgument("update " + why); }

// The field `key` of `parent` (null: absent) when it is an object or absent;
// `bad` is set for any other type.
const json::object* DomObject(const json::object* parent, std::string_view key, bool& bad) {
  const json::value* v = parent ? parent->if_contains(key) : nullptr;
  bad = v != nullptr && !v->is_object();
  return v ? v->if_object() : nullptr;
}

bool DomString(const json::object* parent, std::string_view key, std::string& out) {
  const json::value* v = parent ? parent->if_contains(key) : nullptr;
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

Status DomFill(const json::object* holder, const std::string& k, ParsedUpdate& u) {
  bool bad = false;
  const json::object* chat = DomObject(holder, "chat", bad);
  if (bad) return Refused("field " + k + ".chat is not an object");
  auto chat_id = tgate::JsonInt64Field(chat, "id");
  if (!chat || !chat_id || *chat_id == 0) return Refused("field " + k + ".chat has no integer id");
  u.chat_id = *chat_id;
  if (!DomString(chat, "type", u.chat_type)) return Refused("field " + k + ".chat.type is not a string");
  const json::object* from = DomObject(holder, "from", bad);
  if (bad) return Refused("field " + k + ".from is not an object");
  if (from && from->contains("id")) {
    auto id = tgate::JsonInt64Field(from, "id");
    if (!id) return Refused("field " + k + ".from.id is not an integer");
    u.from_id = *id;
  }
  if (!DomString(from, "username", u.from_username))
    return Refused("field " + k + ".from.username is not a string");
  return Status::Ok();
}

Result<ParsedUpdate> DomParse(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec) return Refused("is not valid JSON");
  const json::object* root = doc.if_object();
  if (!root) return Refused("is not a JSON object");
  auto update_id = tgate::JsonInt64Field(root, "update_id");
  if (!update_id || *update_id < 0) return Refused("has no valid update_id");
  if (!tgate::AllNumbersFinite(doc)) return Refused("has a number out of range");
  ParsedUpdate u;
  u.update_id = *update_id;
  bool bad = false;
  const json::object* message = DomObject(root, "message", bad);
  if (bad) return Refused("field message is not an object");
  const json::object* member = DomObject(root, "my_chat_member", bad);
  if (bad) return Refused("field my_chat_member is not an object");
  if (message) {
    u.kind = ParsedUpdate::kMessage;
    if (Status s = DomFill(message, "message", u); !s.ok()) return s;
    if (!DomString(message, "text", u.text)) return Refused("field message.text is not a string");
  } else if (member) {
    u.kind = ParsedUpdate::kMyChatMember;
    if (Status s = DomFill(member, "my_chat_member", u); !s.ok()) return s;
    const json::object* next = DomObject(member, "new_chat_member", bad);
    if (bad) return Refused("field my_chat_member.new_chat_member is not an object");
    if (!DomString(next, "status", u.new_status))
      return Refused("field my_chat_member.new_chat_member.status is not a string");
  }
  return u;
}

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
  auto parsed = tgate::telegram::ParseUpdate(tgate::fuzz::AsText(data, size));
  const auto dom = DomParse(tgate::fuzz::AsText(data, size));
  // Where a later value replaced a number no reader could parse, the DOM
  // goes on to the checks after that one, and may pass them.
  const bool number_refused = !parsed.ok() && parsed.status().message() == "update has a number out of range";
  if (parsed.ok() && dom.ok()) CheckSame(*parsed, *dom);
  if (parsed.ok()) FUZZ_CHECK(dom.ok());
  if (!parsed.ok() && !number_refused)
    FUZZ_CHECK(!dom.ok() && parsed.status().message() == dom.status().message());
  if (number_refused && !dom.ok()) {
    for (const char* earlier :
         {"update is not valid JSON", "update is not a JSON object", "update has no valid update_id"})
      FUZZ_CHECK(dom.status().message() != earlier);
  }
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
