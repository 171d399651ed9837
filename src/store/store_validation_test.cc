#include "store/store_validation.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::store {
namespace {

NewMessage ValidMessage() {
  NewMessage m;
  m.bot = "bot";
  m.chat_id = 5;
  m.text = "hi";
  return m;
}

NewBroadcast ValidBroadcast() {
  NewBroadcast b;
  b.bot = "bot";
  b.users = {"u1"};
  b.text = "hi";
  return b;
}

TEST(StoreValidation, AMessageNeedsABotAndAChatOrAUser) {
  EXPECT_OK(ValidateNewMessage(ValidMessage()));
  NewMessage no_bot = ValidMessage();
  no_bot.bot.clear();
  EXPECT_EQ(ValidateNewMessage(no_bot).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateNewMessage(no_bot).message(), "message has no bot");
  NewMessage no_chat = ValidMessage();
  no_chat.chat_id = 0;
  EXPECT_EQ(ValidateNewMessage(no_chat).message(), "message has no chat_id and no user");
  NewMessage to_user = no_chat;
  to_user.user = "alice";  // the store reads the chat from alice's binding
  EXPECT_OK(ValidateNewMessage(to_user));
  NewMessage group = ValidMessage();
  group.chat_id = -100;  // groups are negative: valid
  EXPECT_OK(ValidateNewMessage(group));
}

TEST(StoreValidation, AMessageToAUserGoesToTheirChatUnlessUnlinkedOrBlocked) {
  EXPECT_EQ(AddressedChat("alice", Binding{"bot", "alice", 10, UserStatus::kActive, 1}).value(), 10);
  auto blocked = AddressedChat("alice", Binding{"bot", "alice", 10, UserStatus::kBlocked, 1});
  EXPECT_EQ(blocked.status().code(), Code::kConflict);
  EXPECT_EQ(blocked.status().message(),
            "user 'alice' has blocked the bot; nothing can be sent until they unblock it");
  auto unlinked = AddressedChat("bob", Status::NotFound("user is not linked"));
  EXPECT_TRUE(unlinked.status().IsNotFound());
  EXPECT_EQ(unlinked.status().message(), "user 'bob' is not linked to this bot");
  // The database's own errors pass as they are.
  EXPECT_EQ(AddressedChat("bob", Status::Unavailable("database is locked")).status().code(),
            Code::kUnavailable);
}

TEST(StoreValidation, ABroadcastNeedsABotTargetsAndNoNegativeSpread) {
  EXPECT_OK(ValidateNewBroadcast(ValidBroadcast()));
  NewBroadcast all = ValidBroadcast();
  all.users.clear();
  all.all = true;
  EXPECT_OK(ValidateNewBroadcast(all));
  NewBroadcast no_bot = ValidBroadcast();
  no_bot.bot.clear();
  EXPECT_EQ(ValidateNewBroadcast(no_bot).message(), "broadcast has no bot");
  NewBroadcast negative = ValidBroadcast();
  negative.spread_seconds = -1;
  EXPECT_EQ(ValidateNewBroadcast(negative).message(), "spread_seconds must be >= 0");
  NewBroadcast nobody = ValidBroadcast();
  nobody.users.clear();
  EXPECT_EQ(ValidateNewBroadcast(nobody).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateNewBroadcast(nobody).message(), "broadcast needs all=true or a list of users");
}

}  // namespace
}  // namespace tgate::store
