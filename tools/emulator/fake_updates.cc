#include "tools/emulator/fake_updates.h"

#include "core/utf8.h"

namespace tgate::emulator {

namespace {

std::string FirstName(const FakeUser& user) {
  return user.first_name.empty() ? "User " + std::to_string(user.id) : user.first_name;
}

boost::json::object PrivateChat(const FakeUser& user) {
  boost::json::object chat{{"id", user.id}, {"first_name", FirstName(user)}};
  if (!user.username.empty()) chat["username"] = user.username;
  chat["type"] = "private";
  return chat;
}

}  // namespace

boost::json::object UserJson(const FakeUser& user) {
  boost::json::object u{{"id", user.id}, {"is_bot", false}, {"first_name", FirstName(user)}};
  if (!user.username.empty()) u["username"] = user.username;
  u["language_code"] = "en";
  return u;
}

boost::json::object BotUserJson(int64_t bot_id, const std::string& username) {
  return {{"id", bot_id}, {"is_bot", true}, {"first_name", "tgate sandbox"}, {"username", username}};
}

boost::json::object ChatJson(int64_t chat_id, const std::string& first_name) {
  if (chat_id > 0) {
    return {{"id", chat_id},
            {"first_name", first_name.empty() ? "User " + std::to_string(chat_id) : first_name},
            {"type", "private"}};
  }
  return {{"id", chat_id}, {"title", "Group " + std::to_string(-chat_id)}, {"type", "supergroup"}};
}

boost::json::object TextMessage(const FakeUser& user, int64_t message_id, int64_t date,
                                const std::string& text) {
  boost::json::object m{{"message_id", message_id},
                        {"from", UserJson(user)},
                        {"chat", PrivateChat(user)},
                        {"date", date},
                        {"text", text}};
  if (!text.empty() && text[0] == '/') {
    size_t end = text.find(' ');
    std::string command = text.substr(0, end);
    // Entity offsets and lengths are in UTF-16 units (botapi-facts.md §6).
    m["entities"] =
        boost::json::array{{{"offset", 0}, {"length", CountUtf16Units(command)}, {"type", "bot_command"}}};
  }
  return m;
}

boost::json::object StartMessage(const FakeUser& user, int64_t message_id, int64_t date,
                                 const std::string& payload) {
  // A deep link arrives as "/start PAYLOAD" (botapi-facts.md §4).
  return TextMessage(user, message_id, date, payload.empty() ? "/start" : "/start " + payload);
}

boost::json::object MyChatMember(const FakeUser& user, const boost::json::object& bot_user, int64_t date,
                                 bool blocked) {
  // ChatMemberBanned.status is "kicked" (until_date 0: forever); ChatMemberMember is "member".
  boost::json::object member{{"user", bot_user}, {"status", "member"}};
  boost::json::object kicked{{"user", bot_user}, {"status", "kicked"}, {"until_date", 0}};
  return {{"chat", PrivateChat(user)},
          {"from", UserJson(user)},
          {"date", date},
          {"old_chat_member", blocked ? member : kicked},
          {"new_chat_member", blocked ? kicked : member}};
}

}  // namespace tgate::emulator
