// The units of work that replaced a caller's RunInTransaction: Unlink (a
// binding deleted with its event) and WriteOutcomes (delivery outcomes with
// the chats they closed and the events they raise), each one transaction of
// the store.
#include <gtest/gtest.h>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

class UnitOfWorkTest : public testing::StoreTest {};

std::string UnlinkedEvent(const Binding& b) {
  return R"({"type":"user.unlinked","user":")" + b.user + R"(","chat_id":)" + std::to_string(b.chat_id) + "}";
}

TEST_P(UnitOfWorkTest, UnlinkDeletesTheBindingAndAddsItsEventTogether) {
  MustBind("bot", "alice", 10);
  auto unlinked = Await(store_->Unlink("bot", "alice", UnlinkedEvent, 5000));
  ASSERT_OK(unlinked);
  EXPECT_EQ(unlinked->user, "alice");
  EXPECT_EQ(unlinked->chat_id, 10);
  EXPECT_TRUE(Await(store_->GetBinding("bot", "alice")).status().IsNotFound());
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, R"({"type":"user.unlinked","user":"alice","chat_id":10})");
}

TEST_P(UnitOfWorkTest, UnlinkOfAUserNotLinkedIsNotFoundAndAddsNoEvent) {
  MustBind("bot", "alice", 10);
  EXPECT_TRUE(Await(store_->Unlink("bot", "bob", UnlinkedEvent, 5000)).status().IsNotFound());
  EXPECT_TRUE(Await(store_->Unlink("other", "alice", UnlinkedEvent, 5000)).status().IsNotFound());
  EXPECT_TRUE(Await(store_->DueEvents(INT64_MAX, 10))->empty());
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
}

TEST_P(UnitOfWorkTest, UnlinkInsideATransactionThatFailsLeavesTheBinding) {
  MustBind("bot", "alice", 10);
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    auto unlinked = co_await tx.Unlink("bot", "alice", UnlinkedEvent, 5000);
    if (!unlinked.ok()) co_return unlinked.status();
    co_return Status::Unavailable("give up");
  }));
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  EXPECT_TRUE(Await(store_->DueEvents(INT64_MAX, 10))->empty());
}

TEST_P(UnitOfWorkTest, WriteOutcomesWritesTheCompletionsAndTheirEvents) {
  const int64_t sent = MustEnqueue(Direct("bot", 1, "a"));
  const int64_t retry = MustEnqueue(Direct("bot", 2, "b"));
  ASSERT_OK(
      Await(store_->WriteOutcomes({Completion{sent, MessageStatus::kSent, 1, 1, 0, 77, ""},
                                   Completion{retry, MessageStatus::kQueued, 1, 0, 9000, 0, ""}},
                                  {},
                                  {R"({"type":"message.sent","id":1})", R"({"type":"x","s":"a \"q\" \\"})",
                                   R"({"type":"message.sent","id":3})"},
                                  3000)));
  EXPECT_EQ(Await(store_->GetMessage(sent))->status, MessageStatus::kSent);
  EXPECT_EQ(Await(store_->GetMessage(sent))->telegram_message_id, 77);
  EXPECT_EQ(Await(store_->GetMessage(retry))->status, MessageStatus::kQueued);
  EXPECT_EQ(Await(store_->GetMessage(retry))->not_before_ms, 9000);
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 3u);  // in the order given
  EXPECT_EQ((*events)[0].payload, R"({"type":"message.sent","id":1})");
  EXPECT_EQ((*events)[1].payload, R"({"type":"x","s":"a \"q\" \\"})");
  EXPECT_EQ((*events)[2].payload, R"({"type":"message.sent","id":3})");
  for (const Event& e : *events) EXPECT_EQ(e.next_attempt_ms, 3000);
}

TEST_P(UnitOfWorkTest, WriteOutcomesWithEventsOnlyOrNothingIsFine) {
  ASSERT_OK(Await(store_->WriteOutcomes({}, {}, {R"({"type":"user.blocked"})"}, 1)));
  ASSERT_OK(Await(store_->WriteOutcomes({}, {}, {}, 1)));
  EXPECT_EQ(Await(store_->DueEvents(INT64_MAX, 10))->size(), 1u);
}

// A send answered "blocked": its outcome, the chat's binding and its event
// are written in one go; other chats are left as they were. The rest of the
// chat's queue stays queued, read as blocked: the dispatcher fails it as it
// loads it.
TEST_P(UnitOfWorkTest, WriteOutcomesClosesTheChatsItIsGiven) {
  MustBind("bot", "alice", 10);
  MustBind("bot", "bob", 11);
  auto to = [&](std::string user, std::string text) {
    NewMessage m = Direct("bot", 0, std::move(text));
    m.user = std::move(user);
    return MustEnqueue(m);
  };
  const int64_t answered = to("alice", "a");
  const int64_t behind = to("alice", "b");
  const int64_t other = to("bob", "c");
  const int64_t unbound = MustEnqueue(Direct("bot", 12, "d"));
  ASSERT_OK(Await(store_->WriteOutcomes(
      {Completion{answered, MessageStatus::kFailed, 1, 0, 0, 0, "blocked: bot was blocked by the user"}},
      {ClosedChat{"bot", 10, UserStatus::kBlocked}, ClosedChat{"bot", 12, UserStatus::kBlocked}},
      {R"({"type":"user.blocked","user":"alice"})"}, 1)));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kBlocked);
  EXPECT_EQ(Await(store_->GetBinding("bot", "bob"))->status, UserStatus::kActive);
  EXPECT_EQ(Await(store_->GetMessage(answered))->status, MessageStatus::kFailed);
  EXPECT_EQ(Await(store_->GetMessage(behind))->status, MessageStatus::kQueued);
  EXPECT_TRUE(Await(store_->GetMessage(behind))->chat_blocked);
  EXPECT_FALSE(Await(store_->GetMessage(other))->chat_blocked);
  EXPECT_FALSE(Await(store_->GetMessage(unbound))->chat_blocked) << "nobody bound: nothing to close";
  EXPECT_EQ(Await(store_->DueEvents(INT64_MAX, 10))->size(), 1u);
}

TEST_P(UnitOfWorkTest, WriteOutcomesInsideATransactionThatFailsWritesNothing) {
  MustBind("bot", "alice", 1);
  const int64_t id = MustEnqueue(Direct("bot", 1, "a"));
  const int64_t behind = MustEnqueue(Direct("bot", 1, "b"));
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    // Named: GCC 12 mis-destroys a braced temporary in a co_await expression.
    const std::vector<Completion> outcomes{Completion{id, MessageStatus::kFailed, 1, 0, 0, 0, "blocked"}};
    const std::vector<ClosedChat> closed{ClosedChat{"bot", 1, UserStatus::kBlocked}};
    const std::vector<std::string> events{R"({"type":"message.failed"})"};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.WriteOutcomes(outcomes, closed, events, 1));
    co_return Status::Unavailable("give up");
  }));
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(Await(store_->GetMessage(id))->status, MessageStatus::kQueued);
  EXPECT_EQ(Await(store_->GetMessage(behind))->status, MessageStatus::kQueued);
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kActive);
  EXPECT_TRUE(Await(store_->DueEvents(INT64_MAX, 10))->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, UnitOfWorkTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
