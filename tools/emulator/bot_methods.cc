#include "tools/emulator/bot_methods.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>

#include "core/utf8.h"
#include "tools/emulator/fake_updates.h"
#include "tools/emulator/text_measure.h"

namespace tgate::emulator {

namespace {

// setWebhook certificate limit (botapi-facts.md §2).
constexpr size_t kMaxCertificateBytes = 3 << 20;

// The Bot API lower-cases the first letter of TDLib's message after its
// prefix (botapi-facts.md §5: "Unsupported parse_mode" -> "unsupported parse_mode").
BotReply BadRequestFrom(std::string message) {
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  return BotReply::BadRequest(std::move(message));
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Validates text and parse_mode; on success fills `visible` (the text after
// entity parsing) and returns nullopt.
std::optional<BotReply> ValidateText(const Params& params, std::string& visible) {
  std::string text = params.Get("text").value_or("");
  if (text.empty()) return BotReply::BadRequest("message text is empty");
  if (text.size() > kMaxRawTextBytes) return BotReply::BadRequest("text is too long");
  // The emulator's own measure, not tgate's parser: it must catch that parser's bugs.
  auto parsed = VisibleText(text, params.Get("parse_mode").value_or(""));
  if (!parsed.ok()) return BadRequestFrom(parsed.status().message());
  size_t length = CodePoints(*parsed);
  if (length == 0) return BotReply::BadRequest("message text is empty");
  if (length > kMaxTextCodePoints) return BotReply::BadRequest("message is too long");
  visible = std::move(parsed).value();
  return std::nullopt;
}

void RecordAccepted(BotState& state, SentMessage m) {
  auto& s = state.stats;
  ++s.accepted;
  if (s.first_t_ms == 0) s.first_t_ms = m.t_ms;
  s.last_t_ms = m.t_ms;
  state.sent.push_back(std::move(m));
}

}  // namespace

BotReply GetMe(const BotState& state, int64_t bot_id) {
  boost::json::object me = BotUserJson(bot_id, state.bot_username);
  me["can_join_groups"] = true;
  me["can_read_all_group_messages"] = false;
  me["supports_inline_queries"] = false;
  return BotReply::Ok(std::move(me));
}

BotReply SendMessage(BotState& state, const Params& params, int64_t bot_id, const CallTime& t) {
  // Order as in the Bot API server: the text is checked before the chat.
  std::string visible;
  if (auto error = ValidateText(params, visible)) return *error;
  std::string chat = params.Get("chat_id").value_or("");
  if (chat.empty()) return BotReply::BadRequest("chat_id is empty");
  auto chat_id = ParseInt(chat);
  if (!chat_id || *chat_id == 0) return BotReply::BadRequest("chat not found");  // e.g. "@name"

  if (auto scripted = state.script.Check(*chat_id)) return *scripted;
  if (auto fault = state.script.TakeFault()) {
    ++state.stats.faults;
    return *fault;
  }
  const bool paid = params.GetBool("allow_paid_broadcast");
  LimitScope refused_by = LimitScope::kNone;
  if (int64_t retry_after = state.limits.Admit(*chat_id, paid, t.now, &refused_by); retry_after > 0) {
    ++state.stats.rate_limited;
    ++state.stats.rate_limited_by[ToString(refused_by)];
    if (state.stats.first_rate_limited_t_ms == 0) state.stats.first_rate_limited_t_ms = t.unix_ms;
    return BotReply::TooManyRequests(retry_after);
  }

  const int64_t message_id = state.NextMessageId(*chat_id);
  const int64_t date = t.unix_ms / 1000;
  std::string first_name;
  if (auto it = state.users.find(*chat_id); it != state.users.end()) first_name = it->second.first_name;
  boost::json::object message{{"message_id", message_id},
                              {"from", BotUserJson(bot_id, state.bot_username)},
                              {"chat", ChatJson(*chat_id, first_name)},
                              {"date", date},
                              {"text", std::move(visible)}};
  RecordAccepted(state, SentMessage{*chat_id, message_id, params.Get("text").value_or(""), paid, t.unix_ms,
                                    params.Get("parse_mode").value_or("")});
  return BotReply::Ok(std::move(message));
}

bool ParseAllowedUpdates(const std::string& json, std::vector<std::string>& out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_array()) return false;
  out.clear();
  for (const auto& item : v.as_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.as_string());
  }
  return true;
}

BotReply SetWebhook(BotState& state, const Params& params) {
  const ParamValue* url_param = params.Find("url");
  if (!url_param) return BotReply::BadRequest("parameter \"url\" is required");
  if (url_param->value.empty()) return DeleteWebhook(state, params);
  auto url = boost::urls::parse_absolute_uri(url_param->value);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return BotReply::BadRequest("bad webhook: Failed to resolve host: Name or service not known");
  }
  std::string secret = params.Get("secret_token").value_or("");
  // secret_token: 1-256 of [A-Za-z0-9_-] (botapi-facts.md §2).
  if (secret.size() > 256) return BotReply::BadRequest("secret token is too long");
  for (unsigned char c : secret) {
    if (!std::isalnum(c) && c != '_' && c != '-') {
      return BotReply::BadRequest("secret token contains unallowed characters");
    }
  }
  bool has_certificate = false;
  std::string certificate_pem;
  if (const ParamValue* cert = params.Find("certificate"); cert && cert->is_file) {
    if (cert->value.size() > kMaxCertificateBytes) {
      return BotReply::BadRequest("certificate size is too big (" + std::to_string(cert->value.size()) +
                                  " bytes)");
    }
    has_certificate = true;
    certificate_pem = cert->value;
  }
  int max_connections = 40;  // default 40, clamped to 1..100, never an error
  if (auto mc = params.Get("max_connections")) {
    auto n = ParseInt(*mc);
    max_connections = static_cast<int>(std::clamp<int64_t>(n.value_or(40), 1, 100));
  }
  if (auto au = params.Get("allowed_updates")) {
    std::vector<std::string> list;
    if (!ParseAllowedUpdates(*au, list)) return BotReply::BadRequest("can't parse allowed updates");
    state.allowed_updates = std::move(list);
  }  // absent: "the previous setting will be used"
  if (params.GetBool("drop_pending_updates")) state.updates.Clear();
  const bool same = state.webhook.url == url_param->value && state.webhook.secret_token == secret &&
                    state.webhook.max_connections == max_connections &&
                    state.webhook.has_custom_certificate == has_certificate &&
                    state.webhook.certificate_pem == certificate_pem;
  if (!same) {
    state.webhook.url = url_param->value;
    state.webhook.secret_token = secret;
    state.webhook.has_custom_certificate = has_certificate;
    state.webhook.certificate_pem = std::move(certificate_pem);
    state.webhook.max_connections = max_connections;
    state.webhook.last_error_date = 0;
    state.webhook.last_error_message.clear();
  }
  if (state.on_update) state.on_update();  // pending updates now go to the webhook
  return BotReply::Ok(true, same ? "Webhook is already set" : "Webhook was set");
}

BotReply DeleteWebhook(BotState& state, const Params& params) {
  if (params.GetBool("drop_pending_updates")) state.updates.Clear();
  if (state.webhook.url.empty()) return BotReply::Ok(true, "Webhook is already deleted");
  state.webhook = WebhookSettings{};
  return BotReply::Ok(true, "Webhook was deleted");
}

BotReply GetWebhookInfo(const BotState& state) {
  const auto& w = state.webhook;
  boost::json::object info{{"url", w.url},
                           {"has_custom_certificate", w.has_custom_certificate},
                           {"pending_update_count", state.updates.pending()}};
  if (w.last_error_date != 0) {
    info["last_error_date"] = w.last_error_date;
    info["last_error_message"] = w.last_error_message;
  }
  if (!w.url.empty()) info["max_connections"] = w.max_connections;
  // Omitted when the list is the default (botapi-facts.md §2).
  if (state.allowed_updates && !state.allowed_updates->empty()) {
    boost::json::array list;
    for (const auto& u : *state.allowed_updates) list.emplace_back(u);
    info["allowed_updates"] = std::move(list);
  }
  return BotReply::Ok(std::move(info));
}

BotReply SetMyCommands(BotState& state, const Params& params) {
  auto raw = params.Get("commands");
  if (!raw) return BotReply::BadRequest("parameter \"commands\" is required");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*raw, ec);
  if (ec || !v.is_array()) return BotReply::BadRequest("can't parse commands JSON object");
  // At most 100; command 1-32 of [a-z0-9_]; description 1-256 (botapi-facts.md §8).
  if (v.as_array().size() > 100) return BotReply::BadRequest("too many commands specified");
  boost::json::array commands;
  for (const auto& item : v.as_array()) {
    const auto* obj = item.if_object();
    const auto* command = obj ? obj->if_contains("command") : nullptr;
    const auto* description = obj ? obj->if_contains("description") : nullptr;
    if (!command || !command->is_string() || !description || !description->is_string()) {
      return BotReply::BadRequest("can't parse BotCommand");
    }
    std::string name(command->as_string());
    if (!name.empty() && name[0] == '/') name.erase(0, 1);  // TDLib strips a leading '/'
    if (name.empty()) return BotReply::BadRequest("command must be non-empty");
    if (name.size() > 32) return BotReply::BadRequest("command length must not exceed 32");
    for (unsigned char c : name) {
      if (!(std::islower(c) || std::isdigit(c) || c == '_')) {
        return BotReply::BadRequest(
            "command must contain only lowercase English letters, digits and underscores");
      }
    }
    std::string desc(description->as_string());
    if (desc.empty()) return BotReply::BadRequest("command description must be non-empty");
    if (!IsValidUtf8(desc) || CountCodePoints(desc) > 256) {
      return BotReply::BadRequest("command description length must not exceed 256");
    }
    commands.push_back(boost::json::object{{"command", name}, {"description", desc}});
  }
  state.commands = std::move(commands);
  return BotReply::Ok(true);
}

BotReply GetMyCommands(const BotState& state) { return BotReply::Ok(state.commands); }

}  // namespace tgate::emulator
