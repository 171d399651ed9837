// Link tokens and bindings: single-use tokens, a user's one chat, blocked
// and active users (the active count a broadcast to "all" reads), chats
// that moved (a group that became a supergroup).
#include <gtest/gtest.h>

#include <map>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

class LinksTest : public StoreTest {};

TEST_P(LinksTest, LinkTokenIsSingleUse) {
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"tok1", "bot", "42", 1000})));
  EXPECT_EQ(Await(store_->PutLinkToken(LinkToken{"tok1", "bot", "43", 1000})).code(), Code::kConflict);
  auto taken = Await(store_->TakeLinkToken("tok1"));
  ASSERT_OK(taken);
  EXPECT_EQ(taken->token, "tok1");
  EXPECT_EQ(taken->bot, "bot");
  EXPECT_EQ(taken->user, "42");
  EXPECT_EQ(taken->expires_at, 1000);
  EXPECT_TRUE(Await(store_->TakeLinkToken("tok1")).status().IsNotFound());
  EXPECT_TRUE(Await(store_->TakeLinkToken("never")).status().IsNotFound());
}

TEST_P(LinksTest, PruneLinkTokensDeletesOnlyExpired) {
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"old", "bot", "1", 99})));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"edge", "bot", "2", 100})));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"new", "bot", "3", 200})));
  EXPECT_EQ(Await(store_->PruneLinkTokens(100)).value(), 1);
  EXPECT_TRUE(Await(store_->TakeLinkToken("old")).status().IsNotFound());
  EXPECT_OK(Await(store_->TakeLinkToken("edge")));
  EXPECT_OK(Await(store_->TakeLinkToken("new")));
}

TEST_P(LinksTest, BindReplacesTheUsersPreviousChat) {
  MustBind("bot", "alice", 10);
  MustBind("bot", "alice", 11);
  auto b = Await(store_->GetBinding("bot", "alice"));
  ASSERT_OK(b);
  EXPECT_EQ(b->chat_id, 11);
  EXPECT_EQ(b->status, UserStatus::kActive);
  EXPECT_EQ(b->linked_at, 100);
  EXPECT_TRUE(Await(store_->GetBindingByChat("bot", 10)).status().IsNotFound());
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 11))->user, "alice");
}

TEST_P(LinksTest, BindTakesTheChatFromAnotherUser) {
  MustBind("bot", "alice", 10);
  MustBind("bot", "bob", 10);
  EXPECT_TRUE(Await(store_->GetBinding("bot", "alice")).status().IsNotFound());
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "bob");
  // Another bot's bindings are separate.
  MustBind("other", "alice", 10);
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "bob");
  EXPECT_EQ(Await(store_->GetBindingByChat("other", 10))->user, "alice");
}

TEST_P(LinksTest, BindReactivatesABlockedUser) {
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 10, UserStatus::kBlocked)));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kBlocked);
  EXPECT_EQ(Await(store_->CountBindings("bot", UserStatus::kBlocked)).value(), 1);
  EXPECT_EQ(Await(store_->CountBindings("bot", UserStatus::kActive)).value(), 0);
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "alice", 10, UserStatus::kBlocked, 200})));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kActive);
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->linked_at, 200);
}

TEST_P(LinksTest, DeleteBindingAndSetChatStatusReportNotFound) {
  EXPECT_TRUE(Await(store_->DeleteBinding("bot", "nobody")).IsNotFound());
  EXPECT_TRUE(Await(store_->SetChatStatus("bot", 99, UserStatus::kBlocked)).IsNotFound());
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->DeleteBinding("bot", "alice")));
  EXPECT_TRUE(Await(store_->GetBinding("bot", "alice")).status().IsNotFound());
  EXPECT_TRUE(Await(store_->DeleteBinding("bot", "alice")).IsNotFound());
}

// The active count is kept by triggers (a broadcast to "all" reads it):
// it must follow every way a binding changes.
TEST_P(LinksTest, ActiveCountFollowsEveryBindingChange) {
  auto active = [&](const char* bot) {
    return Await(store_->CountBindings(bot, UserStatus::kActive)).value();
  };
  MustBind("bot", "alice", 10);
  MustBind("bot", "bob", 11);
  MustBind("other", "alice", 10);
  EXPECT_EQ(active("bot"), 2);
  EXPECT_EQ(active("other"), 1);
  MustBind("bot", "alice", 12);  // a new chat for the same user
  EXPECT_EQ(active("bot"), 2);
  MustBind("bot", "carol", 11);  // takes bob's chat: bob's binding goes
  EXPECT_EQ(active("bot"), 2);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 12, UserStatus::kBlocked)));
  EXPECT_EQ(active("bot"), 1);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 12, UserStatus::kBlocked)));  // again: no change
  EXPECT_EQ(active("bot"), 1);
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "alice", 12, UserStatus::kActive, 300})));  // re-linked
  EXPECT_EQ(active("bot"), 2);
  ASSERT_OK(Await(store_->MoveChat("bot", 12, -1001)));
  EXPECT_EQ(active("bot"), 2);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 11, UserStatus::kBlocked)));
  ASSERT_OK(Await(store_->DeleteBinding("bot", "carol")));  // a blocked one: not counted
  EXPECT_EQ(active("bot"), 1);
  ASSERT_OK(Await(store_->DeleteBinding("bot", "alice")));
  EXPECT_EQ(active("bot"), 0);
  EXPECT_EQ(active("other"), 1);
  EXPECT_EQ(active("nobody"), 0);
}

TEST_P(LinksTest, MoveChatMovesTheBindingAndQueuedMessagesOnly) {
  MustBind("bot", "alice", -100);
  int64_t queued = MustEnqueue(Direct("bot", -100, "q"));
  int64_t sent = MustEnqueue(Direct("bot", -100, "s"));
  int64_t other_bot = MustEnqueue(Direct("bot2", -100, "o"));
  ASSERT_OK(Await(store_->Complete({Completion{sent, MessageStatus::kSent, 1, 1, 0, 555, ""}})));
  ASSERT_OK(Await(store_->MoveChat("bot", -100, -1001)));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, -1001);
  EXPECT_EQ(Await(store_->GetMessage(queued))->chat_id, -1001);
  EXPECT_EQ(Await(store_->GetMessage(sent))->chat_id, -100);
  EXPECT_EQ(Await(store_->GetMessage(other_bot))->chat_id, -100);
}

// No index finds a chat's messages: a broadcast's queued ones are found
// broadcast by broadcast, from its first still queued.
TEST_P(LinksTest, MoveChatMovesAGroupsQueuedBroadcastMessagesToo) {
  MustBind("bot", "group", -100);
  MustBind("bot", "ann", 5);
  const NewBroadcast news = testing::NewsToAll("bot");
  ASSERT_OK(Await(store_->CreateBroadcast(news, 0)));
  auto first = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_EQ(first.size(), 2u);
  const Message& sent = first[0].chat_id == -100 ? first[0] : first[1];
  ASSERT_OK(Await(store_->Complete({Completion{sent.id, MessageStatus::kSent, 1, 1, 0, 9, ""}})));
  ASSERT_OK(Await(store_->CreateBroadcast(news, 0)));
  auto second = Await(store_->LoadQueued("bot", Priority::kBroadcast, first.back().id, 10)).value();
  ASSERT_EQ(second.size(), 2u);
  ASSERT_OK(Await(store_->MoveChat("bot", -100, -1001)));
  std::map<int64_t, int64_t> chats;  // by message id
  for (const auto* loaded : {&first, &second}) {
    for (const Message& m : *loaded) chats[m.id] = Await(store_->GetMessage(m.id))->chat_id;
  }
  for (const Message& m : first)
    EXPECT_EQ(chats[m.id], m.chat_id) << "sent before the move, or not the group's";
  for (const Message& m : second) EXPECT_EQ(chats[m.id], m.chat_id == -100 ? -1001 : m.chat_id);
}

TEST_P(LinksTest, AMovedChatIsRememberedForLaterMessages) {
  ASSERT_OK(Await(store_->MoveChat("bot", -100, -1001)));
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -100, "later"))))->chat_id, -1001);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot2", -100, "other bot"))))->chat_id, -100)
      << "per bot";
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1001, "new id"))))->chat_id, -1001);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", 5, "private"))))->chat_id, 5);
  // A chain a -> b -> c sends messages to a and to b straight to c.
  ASSERT_OK(Await(store_->MoveChat("bot", -1001, -1002)));
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -100, "a"))))->chat_id, -1002);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1001, "b"))))->chat_id, -1002);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1002, "c"))))->chat_id, -1002);
  // A move back makes the id current again, and never loops.
  ASSERT_OK(Await(store_->MoveChat("bot", -1002, -100)));
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -100, "a again"))))->chat_id, -100);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1001, "b again"))))->chat_id, -100);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1002, "c again"))))->chat_id, -100);
  if (!GetParam()) return;
  ASSERT_OK(Reopen());  // remembered on disk
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -1001, "after restart"))))->chat_id, -100);
}

TEST_P(LinksTest, AFailedMoveRemembersNothing) {
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.MoveChat("bot", -100, -1001));
    co_return Status::Internal("rolled back");
  }));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -100, "x"))))->chat_id, -100);
}

INSTANTIATE_TEST_SUITE_P(Backends, LinksTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
