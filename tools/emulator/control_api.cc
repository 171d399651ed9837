#include "tools/emulator/control_api.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/json_numbers.h"
#include "tools/emulator/fake_updates.h"
#include "tools/emulator/params.h"

namespace tgate::emulator {

namespace {

http::Response Json(const http::Request& req, unsigned status, const boost::json::value& v) {
  return http::JsonResponse(req, status, boost::json::serialize(v));
}

http::Response BadRequest(const http::Request& req, std::string message) {
  return Json(req, 400, boost::json::object{{"error", message}});
}

// The request body as a JSON object (empty body: empty object).
std::optional<boost::json::object> Body(const http::Request& req) {
  if (req.body().empty()) return boost::json::object{};
  boost::system::error_code ec;
  auto v = boost::json::parse(req.body(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

// A JSON integer, or a string of digits (curl-friendly).
std::optional<int64_t> IntField(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (auto n = JsonInt64(*v)) return n;
  if (v->is_string()) {
    int64_t out = 0;
    const auto& s = v->as_string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size()) return out;
  }
  return std::nullopt;
}

std::string StrField(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string_view Path(const http::Request& req) {
  std::string_view t = req.target();
  return t.substr(0, t.find('?'));
}

}  // namespace

http::Response ControlApi::Handle(const http::Request& req) {
  const std::string_view path = Path(req);
  const bool post = req.method() == bhttp::verb::post;
  if (post && path == "/control/start") return Start(req);
  if (post && path == "/control/message") return Message(req);
  if (post && path == "/control/block") return Block(req, true);
  if (post && path == "/control/unblock") return Block(req, false);
  if (post && path == "/control/chat") return Chat(req);
  if (post && path == "/control/faults") return Faults(req);
  if (post && path == "/control/outage") return Outage(req);
  if (post && path == "/control/redeliver") return Redeliver(req);
  if (post && path == "/control/reset") return Reset(req);
  if (path == "/control/sent") return Sent(req);
  if (path == "/control/stats") return Stats(req);
  return Json(req, 404,
              boost::json::object{{"error", "no such control endpoint (see tools/emulator/README.md)"}});
}

http::Response ControlApi::Start(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  auto user_id = IntField(*body, "user_id");
  if (!user_id || *user_id <= 0) return BadRequest(req, "user_id (a positive integer) is required");
  FakeUser user{*user_id, StrField(*body, "first_name"), StrField(*body, "username")};
  auto& known = state_.users[user.id];
  if (!user.first_name.empty()) known.first_name = user.first_name;
  if (!user.username.empty()) known.username = user.username;
  user.first_name = known.first_name;
  user.username = known.username;
  const int64_t date = clock_.UnixSeconds();
  // Pressing Start in a chat the user had blocked unblocks the bot first.
  if (state_.script.IsBlocked(user.id)) {
    state_.script.SetBlockedByUser(user.id, false);
    state_.script.Set(user.id, ChatBehavior::kOk);
    state_.Enqueue(user.id, "my_chat_member",
                   MyChatMember(user, BotUserJson(state_.bot_id, state_.bot_username), date, false));
  }
  int64_t id =
      state_.Enqueue(user.id, "message",
                     StartMessage(user, state_.NextMessageId(user.id), date, StrField(*body, "payload")));
  return Json(req, 200, boost::json::object{{"update_id", id}});
}

http::Response ControlApi::Message(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  auto user_id = IntField(*body, "user_id");
  std::string text = StrField(*body, "text");
  if (!user_id || *user_id <= 0 || text.empty()) return BadRequest(req, "user_id and text are required");
  // "count": that many messages at once (a burst for load tests); the last's id.
  const std::optional<int64_t> count = body->contains("count") ? IntField(*body, "count") : int64_t{1};
  if (!count || *count < 1 || *count > 1'000'000) return BadRequest(req, "count must be 1..1000000");
  const auto& known = state_.users[*user_id];
  FakeUser user{*user_id, known.first_name, known.username};
  int64_t id = 0;
  for (int64_t i = 0; i < *count; ++i) {
    id = state_.Enqueue(user.id, "message",
                        TextMessage(user, state_.NextMessageId(user.id), clock_.UnixSeconds(), text));
  }
  return Json(req, 200, boost::json::object{{"update_id", id}});
}

http::Response ControlApi::Block(const http::Request& req, bool blocked) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  auto user_id = IntField(*body, "user_id");
  if (!user_id || *user_id <= 0) return BadRequest(req, "user_id (a positive integer) is required");
  const auto& known = state_.users[*user_id];
  FakeUser user{*user_id, known.first_name, known.username};
  state_.script.SetBlockedByUser(user.id, blocked);
  if (!blocked) state_.script.Set(user.id, ChatBehavior::kOk);
  int64_t id = state_.Enqueue(
      user.id, "my_chat_member",
      MyChatMember(user, BotUserJson(state_.bot_id, state_.bot_username), clock_.UnixSeconds(), blocked));
  return Json(req, 200, boost::json::object{{"update_id", id}});
}

http::Response ControlApi::Chat(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  auto chat_id = IntField(*body, "chat_id");
  auto behavior = ParseChatBehavior(StrField(*body, "behavior"));
  if (!chat_id || *chat_id == 0) return BadRequest(req, "chat_id is required");
  if (!behavior.ok()) return BadRequest(req, behavior.status().message());
  auto migrate_to = IntField(*body, "migrate_to");
  if (*behavior == ChatBehavior::kMigrate && !migrate_to) return BadRequest(req, "migrate needs migrate_to");
  state_.script.Set(*chat_id, *behavior, migrate_to.value_or(0));
  return Json(req, 200, boost::json::object{{"ok", true}});
}

http::Response ControlApi::Faults(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  if (auto drop = IntField(*body, "drop")) {
    state_.script.InjectDrop(static_cast<int>(*drop));
    return Json(req, 200, boost::json::object{{"ok", true}});
  }
  auto status = IntField(*body, "status");
  if (!status || *status < 400 || *status > 599)
    return BadRequest(req, "give {\"status\":4xx|5xx,\"count\":K} or {\"drop\":K}");
  state_.script.InjectStatus(static_cast<unsigned>(*status),
                             static_cast<int>(IntField(*body, "count").value_or(1)));
  return Json(req, 200, boost::json::object{{"ok", true}});
}

http::Response ControlApi::Outage(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  if (const auto* on = body->if_contains("on"); on && on->is_bool() && !on->as_bool()) {
    state_.script.EndOutage();
    return Json(req, 200, boost::json::object{{"ok", true}});
  }
  auto status = IntField(*body, "status").value_or(0);
  if (status != 0 && (status < 500 || status > 599)) {
    return BadRequest(req, "give {\"status\":5xx} or {} (connections drop), or {\"on\":false} to end it");
  }
  state_.script.StartOutage(static_cast<unsigned>(status));
  return Json(req, 200, boost::json::object{{"ok", true}});
}

http::Response ControlApi::Redeliver(const http::Request& req) {
  auto body = Body(req);
  if (!body) return BadRequest(req, "body must be a JSON object");
  auto update_id = IntField(*body, "update_id");
  if (!update_id) return BadRequest(req, "update_id is required");
  if (!state_.updates.PushDuplicate(*update_id)) {
    return Json(req, 404, boost::json::object{{"error", "unknown update_id"}});
  }
  if (state_.on_update) state_.on_update();
  return Json(req, 200, boost::json::object{{"update_id", *update_id}});
}

http::Response ControlApi::Sent(const http::Request& req) {
  Params query;
  std::string_view t = req.target();
  if (size_t q = t.find('?'); q != std::string_view::npos) ParseUrlEncoded(t.substr(q + 1), query);
  std::optional<int64_t> filter;
  if (auto c = query.Get("chat_id"); c && !c->empty()) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
    if (ec != std::errc()) return BadRequest(req, "chat_id must be an integer");
    filter = v;
  }
  boost::json::array messages;
  for (const auto& m : state_.sent) {
    if (filter && m.chat_id != *filter) continue;
    messages.push_back(boost::json::object{{"chat_id", m.chat_id},
                                           {"message_id", m.message_id},
                                           {"text", m.text},
                                           {"paid", m.paid},
                                           {"t_ms", m.t_ms},
                                           {"parse_mode", m.parse_mode},
                                           {"host", m.host}});
  }
  return Json(req, 200, boost::json::object{{"messages", std::move(messages)}});
}

http::Response ControlApi::Stats(const http::Request& req) {
  const auto& s = state_.stats;
  boost::json::object by;
  for (const auto& [scope, n] : s.rate_limited_by) by[scope] = n;
  return Json(req, 200,
              boost::json::object{{"accepted", s.accepted},
                                  {"rate_limited", s.rate_limited},
                                  {"rate_limited_by", std::move(by)},
                                  {"first_rate_limited_t_ms", s.first_rate_limited_t_ms},
                                  {"faults", s.faults},
                                  {"max_concurrent", s.max_concurrent},
                                  {"webhook_delivered", s.webhook_delivered},
                                  {"webhook_failed", s.webhook_failed},
                                  {"pending_updates", state_.updates.pending()},
                                  {"first_t_ms", s.first_t_ms},
                                  {"last_t_ms", s.last_t_ms}});
}

http::Response ControlApi::Reset(const http::Request& req) {
  state_.ResetRecords();
  state_.script.Clear();
  if (reset_limits_) reset_limits_();
  return Json(req, 200, boost::json::object{{"ok", true}});
}

}  // namespace tgate::emulator
