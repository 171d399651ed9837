// Update parsing (see update.h).
#include "telegram/update.h"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "core/status_macros.h"

namespace tgate::telegram {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// What an update gave for one field ParseUpdate reads: the last value its
// key had, as a DOM keeps it.
struct Field {
  enum Got : uint8_t { kAbsent, kObject, kString, kInteger, kOther } got = kAbsent;
  int64_t integer = 0;  // kInteger: a JSON integer that fits (JsonInt64)
  std::string text;     // kString

  void Reset() {
    got = kAbsent;
    integer = 0;
    text.clear();
  }
};

// A Message or a ChatMemberUpdated (they share "chat" and "from"), as far as
// it is read.
struct Holder {
  Field self, chat, chat_id, chat_type, from, from_id, from_username;
  Field text;                       // Message.text
  Field new_member, member_status;  // ChatMemberUpdated.new_chat_member.status
};

// Boost.JSON's SAX handler reading the fields ParseUpdate checks off an
// update as it is parsed, nothing built (a DOM of the whole update cost a
// webhook update about 6,600 instructions, 9 % of its handling). A key given
// twice counts as the DOM counts it: the last one, its fields read afresh.
// The checks themselves come after the parse (ParseUpdate), in a fixed
// order, so an update breaking two rules is refused for the same one
// wherever its fields stand.
class UpdateReader {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool top_is_object = false;
  bool all_numbers_finite = true;
  Field update_id;
  Holder message, member;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code& ec) {
    Frame child{In::kIgnored, nullptr};
    if (depth_ == 0) {
      top_is_object = true;
      child.in = In::kRoot;
    } else if (next_ != nullptr) {
      next_->got = Field::kObject;
      child = next_frame_;
    }
    return Enter(child, ec);
  }
  bool on_object_end(std::size_t, error_code&) { return Leave(); }
  bool on_array_begin(error_code& ec) {
    Value(Field::kOther);
    return Enter({In::kIgnored, nullptr}, ec);
  }
  bool on_array_end(std::size_t, error_code&) { return Leave(); }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    if (key_.empty()) {
      Name(std::string_view(s.data(), s.size()));
    } else {
      key_.append(s.data(), s.size());
      Name(key_);
      key_.clear();
    }
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    if (next_ != nullptr) next_->text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    if (next_ != nullptr) next_->text.append(s.data(), s.size());
    return Value(Field::kString);
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(int64_t v, json::string_view, error_code&) { return Value(Field::kInteger, v); }
  bool on_uint64(uint64_t v, json::string_view, error_code&) {
    // Past INT64_MAX: not an integer JsonInt64 reads.
    if (v > uint64_t(std::numeric_limits<int64_t>::max())) return Value(Field::kOther);
    return Value(Field::kInteger, static_cast<int64_t>(v));
  }
  bool on_double(double v, json::string_view, error_code&) {
    if (!std::isfinite(v)) all_numbers_finite = false;
    return Value(Field::kOther);
  }
  bool on_bool(bool, error_code&) { return Value(Field::kOther); }
  bool on_null(error_code&) { return Value(Field::kOther); }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  // The object being read: the update, a message or chat member update
  // (`holder`), its chat, sender or new member, or one that does not matter.
  enum class In : uint8_t { kRoot, kHolder, kChat, kFrom, kNewMember, kIgnored };
  struct Frame {
    In in;
    Holder* holder;
  };
  // Deeper than Boost.JSON's default max_depth (32), which ends the parse first.
  static constexpr int kMaxDepth = 40;

  bool Enter(Frame frame, error_code& ec) {
    next_ = nullptr;
    if (depth_ == kMaxDepth) {
      ec = json::error::too_deep;
      return false;
    }
    frames_[depth_++] = frame;
    return true;
  }
  bool Leave() {
    --depth_;
    next_ = nullptr;
    return true;
  }
  bool Value(Field::Got got, int64_t integer = 0) {
    if (next_ != nullptr) {
      next_->got = got;
      next_->integer = integer;
    }
    next_ = nullptr;
    return true;
  }

  // The field `key` names in the object being read (none: next_ null), and
  // the frame its value is read in when it is an object; the field and
  // those within it are cleared for the value to come.
  void Name(std::string_view key) {
    next_ = nullptr;
    next_frame_ = {In::kIgnored, nullptr};
    const Frame& at = frames_[depth_ - 1];
    Holder* h = at.holder;
    switch (at.in) {
      case In::kRoot:
        if (key == "update_id") {
          next_ = &update_id;
        } else if (key == "message" || key == "my_chat_member") {
          h = key == "message" ? &message : &member;
          *h = Holder{};
          next_ = &h->self;
          next_frame_ = {In::kHolder, h};
        }
        break;
      case In::kHolder:
        if (key == "chat") {
          Clear({&h->chat, &h->chat_id, &h->chat_type});
          next_ = &h->chat;
          next_frame_ = {In::kChat, h};
        } else if (key == "from") {
          Clear({&h->from, &h->from_id, &h->from_username});
          next_ = &h->from;
          next_frame_ = {In::kFrom, h};
        } else if (key == "text" && h == &message) {
          next_ = &h->text;
        } else if (key == "new_chat_member" && h == &member) {
          Clear({&h->new_member, &h->member_status});
          next_ = &h->new_member;
          next_frame_ = {In::kNewMember, h};
        }
        break;
      case In::kChat:
        if (key == "id") next_ = &h->chat_id;
        if (key == "type") next_ = &h->chat_type;
        break;
      case In::kFrom:
        if (key == "id") next_ = &h->from_id;
        if (key == "username") next_ = &h->from_username;
        break;
      case In::kNewMember:
        if (key == "status") next_ = &h->member_status;
        break;
      case In::kIgnored:
        break;
    }
    if (next_ != nullptr) next_->Reset();
  }
  static void Clear(std::initializer_list<Field*> fields) {
    for (Field* f : fields) f->Reset();
  }

  std::array<Frame, kMaxDepth> frames_{};
  int depth_ = 0;
  Field* next_ = nullptr;  // the field the value to come is for, if any
  Frame next_frame_{In::kIgnored, nullptr};
  std::string key_;  // a key that came in parts
};

// The error for field `kind` + `field` (as "message" + ".chat") of another
// type than `what`; the name is only put together for the error.
Status NotA(std::string_view what, std::string_view kind, std::string_view field = "") {
  return Status::InvalidArgument("update field " + std::string(kind) + std::string(field) + " is not " +
                                 std::string(what));
}

// An optional string field: absent gives "", any other type an error.
Status OptString(Field& f, std::string_view kind, std::string_view field, std::string& out) {
  out.clear();
  if (f.got == Field::kAbsent) return Status::Ok();
  if (f.got != Field::kString) return NotA("a string", kind, field);
  out = std::move(f.text);
  return Status::Ok();
}

// An optional object field: absent or an object; any other type is an error.
Status OptObject(const Field& f, std::string_view kind, std::string_view field = "") {
  if (f.got == Field::kAbsent || f.got == Field::kObject) return Status::Ok();
  return NotA("an object", kind, field);
}

// Fills chat and sender from a message or chat member update. Telegram
// always sends the chat with an integer id; an update without one, or with a
// field of the wrong type, is refused here rather than acted on with chat id 0.
Status FillChatAndSender(Holder& h, std::string_view kind, ParsedUpdate& u) {
  TGATE_RETURN_IF_ERROR(OptObject(h.chat, kind, ".chat"));
  if (h.chat.got != Field::kObject || h.chat_id.got != Field::kInteger || h.chat_id.integer == 0) {
    return Status::InvalidArgument("update field " + std::string(kind) + ".chat has no integer id");
  }
  u.chat_id = h.chat_id.integer;
  TGATE_RETURN_IF_ERROR(OptString(h.chat_type, kind, ".chat.type", u.chat_type));
  TGATE_RETURN_IF_ERROR(OptObject(h.from, kind, ".from"));
  if (h.from_id.got != Field::kAbsent) {
    if (h.from_id.got != Field::kInteger) return NotA("an integer", kind, ".from.id");
    u.from_id = h.from_id.integer;
  }
  return OptString(h.from_username, kind, ".from.username", u.from_username);
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ParsedUpdate> ParseUpdate(std::string_view text) {
  json::basic_parser<UpdateReader> parser(json::parse_options{});
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) return Status::InvalidArgument("update is not valid JSON");
  UpdateReader& r = parser.handler();
  if (!r.top_is_object) return Status::InvalidArgument("update is not a JSON object");
  if (r.update_id.got != Field::kInteger || r.update_id.integer < 0)
    return Status::InvalidArgument("update has no valid update_id");
  // Its text is stored and forwarded: 1e999 in it, no later reader could
  // parse (even where a later value of the same key replaced it).
  if (!r.all_numbers_finite) return Status::InvalidArgument("update has a number out of range");

  ParsedUpdate u;
  u.update_id = r.update_id.integer;
  TGATE_RETURN_IF_ERROR(OptObject(r.message.self, "message"));
  TGATE_RETURN_IF_ERROR(OptObject(r.member.self, "my_chat_member"));
  if (r.message.self.got == Field::kObject) {
    u.kind = ParsedUpdate::kMessage;
    TGATE_RETURN_IF_ERROR(FillChatAndSender(r.message, "message", u));
    TGATE_RETURN_IF_ERROR(OptString(r.message.text, "message", ".text", u.text));
  } else if (r.member.self.got == Field::kObject) {
    u.kind = ParsedUpdate::kMyChatMember;
    TGATE_RETURN_IF_ERROR(FillChatAndSender(r.member, "my_chat_member", u));
    TGATE_RETURN_IF_ERROR(OptObject(r.member.new_member, "my_chat_member", ".new_chat_member"));
    TGATE_RETURN_IF_ERROR(
        OptString(r.member.member_status, "my_chat_member", ".new_chat_member.status", u.new_status));
  }
  return u;
}

std::optional<std::string> StartPayload(const ParsedUpdate& update, std::string_view bot_username) {
  if (update.kind != ParsedUpdate::kMessage) return std::nullopt;
  constexpr std::string_view kStart = "/start";
  std::string_view text = update.text;
  if (text.substr(0, kStart.size()) != kStart) return std::nullopt;
  text.remove_prefix(kStart.size());
  if (!text.empty() && text.front() == '@') {
    size_t end = 1;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    std::string_view mentioned = text.substr(1, end - 1);
    if (!bot_username.empty() && bot_username.front() == '@') bot_username.remove_prefix(1);
    if (mentioned.empty() || (!bot_username.empty() && !IEquals(mentioned, bot_username)))
      return std::nullopt;
    text.remove_prefix(end);
  }
  if (!text.empty() && !IsSpace(text.front())) return std::nullopt;  // "/started", "/start_x"
  return std::string(Trim(text));
}

}  // namespace tgate::telegram
