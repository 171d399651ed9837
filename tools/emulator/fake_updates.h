// Fake updates: the JSON Telegram sends when a user presses Start, writes to
// the bot, or blocks/unblocks it, shaped like the real Update objects
// (botapi-facts.md §4, §7). Also the User/Chat objects the emulator puts in
// Message results. Pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace tgate::emulator {

struct FakeUser {
  int64_t id = 0;
  std::string first_name;  // "User <id>" when empty
  std::string username;    // omitted when empty
};

// User object of a human.
boost::json::object UserJson(const FakeUser& user);
// User object of the bot itself.
boost::json::object BotUserJson(int64_t bot_id, const std::string& username);
// Chat object: private (id > 0) with first_name, else supergroup with a title.
boost::json::object ChatJson(int64_t chat_id, const std::string& first_name);

// Message payload "/start PAYLOAD" (or "/start") with a bot_command entity.
boost::json::object StartMessage(const FakeUser& user, int64_t message_id, int64_t date,
                                 const std::string& payload);
// Message payload with plain text from `user` in their private chat; a
// leading "/command" gets its bot_command entity.
boost::json::object TextMessage(const FakeUser& user, int64_t message_id, int64_t date,
                                const std::string& text);
// ChatMemberUpdated payload: member -> kicked (blocked) or kicked -> member.
boost::json::object MyChatMember(const FakeUser& user, const boost::json::object& bot_user, int64_t date,
                                 bool blocked);

}  // namespace tgate::emulator
