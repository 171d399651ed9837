// Outcomes: a batch of sends' results written back (delivered, failed,
// retried; parts apart from attempts), what they leave for the limits
// (recent group sends), and whether a message's chat has been closed to the
// bot as it is read.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

class OutcomesTest : public StoreTest {};

TEST_P(OutcomesTest, CompleteWritesEveryOutcomeOfTheBatch) {
  int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  int64_t b = MustEnqueue(Direct("bot", 2, "b"));
  int64_t c = MustEnqueue(Direct("bot", 3, "c"));
  ASSERT_OK(Await(store_->Complete({
      Completion{a, MessageStatus::kSent, 1, 2, 0, 777, ""},
      Completion{b, MessageStatus::kQueued, 3, 1, 123456, 0, "429: retry later"},
      Completion{c, MessageStatus::kFailed, 2, 0, 0, 0, "403: blocked"},
      Completion{9999, MessageStatus::kSent, 1, 1, 0, 1, ""},  // unknown id: ignored
  })));
  auto ma = Await(store_->GetMessage(a)).value();
  EXPECT_EQ(ma.status, MessageStatus::kSent);
  EXPECT_EQ(ma.attempts, 1);
  EXPECT_EQ(ma.parts_sent, 2);
  EXPECT_EQ(ma.telegram_message_id, 777);
  EXPECT_EQ(ma.error, "");
  auto mb = Await(store_->GetMessage(b)).value();
  EXPECT_EQ(mb.status, MessageStatus::kQueued);
  EXPECT_EQ(mb.attempts, 3);
  EXPECT_EQ(mb.parts_sent, 1);
  EXPECT_EQ(mb.not_before_ms, 123456);
  EXPECT_EQ(mb.error, "429: retry later");
  auto mc = Await(store_->GetMessage(c)).value();
  EXPECT_EQ(mc.status, MessageStatus::kFailed);
  EXPECT_EQ(mc.error, "403: blocked");
  EXPECT_GT(mc.updated_at, 0);
}

// Parts are written with the outcome and kept apart from attempts (issue 14);
// a completion that does not know them (0) leaves them.
TEST_P(OutcomesTest, CompleteKeepsPartsApartFromAttempts) {
  int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  EXPECT_EQ(Await(store_->GetMessage(a))->parts, 0);
  Completion progress{a, MessageStatus::kQueued, 1, 4, 0, 0, ""};
  progress.parts = 10;
  ASSERT_OK(Await(store_->Complete({progress})));
  auto queued = Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].parts, 10);
  EXPECT_EQ((*queued)[0].parts_sent, 4);
  Completion sent{a, MessageStatus::kSent, 2, 10, 0, 777, ""};
  ASSERT_OK(Await(store_->Complete({sent})));
  auto m = Await(store_->GetMessage(a)).value();
  EXPECT_EQ(m.parts, 10);
  EXPECT_EQ(m.parts_sent, 10);
  EXPECT_EQ(m.attempts, 2);
}

TEST_P(OutcomesTest, ARetryCompletionDoesNotReviveAFailedMessage) {
  int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  ASSERT_OK(Await(store_->Complete({Completion{a, MessageStatus::kFailed, 1, 0, 0, 0, "blocked"}})));
  ASSERT_OK(Await(store_->Complete({Completion{a, MessageStatus::kQueued, 1, 0, 5, 0, "retry"}})));
  EXPECT_EQ(Await(store_->GetMessage(a))->status, MessageStatus::kFailed);
  EXPECT_EQ(Await(store_->GetMessage(a))->error, "blocked");
}

TEST_P(OutcomesTest, RecentGroupSendsAreTheGroupPartsDeliveredSinceAGivenSecond) {
  const int64_t old_group = MustEnqueue(Direct("bot", -10, "long ago"));
  ASSERT_OK(Await(store_->Complete({Completion{old_group, MessageStatus::kSent, 1, 1, 0, 1, ""}})));
  clock_.Advance(std::chrono::seconds(100));
  const int64_t t0 = clock_.UnixSeconds();
  const int64_t split = MustEnqueue(Direct("bot", -10, "three parts"));
  const int64_t halfway = MustEnqueue(Direct("bot", -20, "one of two parts so far"));
  const int64_t refused = MustEnqueue(Direct("bot", -30, "429, nothing delivered"));
  const int64_t queued = MustEnqueue(Direct("bot", -40, "never tried"));
  const int64_t private_chat = MustEnqueue(Direct("bot", 50, "not a group"));
  const int64_t other_bot = MustEnqueue(Direct("other", -10, "another bot's"));
  ASSERT_OK(Await(store_->Complete({Completion{split, MessageStatus::kSent, 1, 3, 0, 2, ""},
                                    Completion{refused, MessageStatus::kQueued, 1, 0, 99, 0, ""},
                                    Completion{private_chat, MessageStatus::kSent, 1, 1, 0, 3, ""},
                                    Completion{other_bot, MessageStatus::kSent, 1, 1, 0, 4, ""}})));
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_OK(Await(store_->Complete({Completion{halfway, MessageStatus::kQueued, 1, 1, 0, 0, ""}})));
  (void)queued;

  auto sends = Await(store_->RecentGroupSends("bot", t0));
  ASSERT_OK(sends);
  ASSERT_EQ(sends->size(), 2u);
  EXPECT_EQ((*sends)[0].chat_id, -10);
  EXPECT_EQ((*sends)[0].at_s, t0);
  EXPECT_EQ((*sends)[0].parts, 3);
  EXPECT_EQ((*sends)[1].chat_id, -20);
  EXPECT_EQ((*sends)[1].at_s, t0 + 5);
  EXPECT_EQ((*sends)[1].parts, 1);
  EXPECT_EQ(Await(store_->RecentGroupSends("bot", t0 + 6))->size(), 0u);
  EXPECT_EQ(Await(store_->RecentGroupSends("bot", 0))->size(), 3u) << "the old one too, oldest first";
  EXPECT_EQ(Await(store_->RecentGroupSends("bot", 0))->front().at_s, t0 - 100);
}

TEST_P(OutcomesTest, LastMessageIdIsTheHighestOfAnyBot) {
  EXPECT_EQ(*Await(store_->LastMessageId()), 0);
  const int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  const int64_t b = MustEnqueue(Direct("other", 2, "b"));
  EXPECT_EQ(*Await(store_->LastMessageId()), std::max(a, b));
  ASSERT_OK(Await(store_->Complete({Completion{b, MessageStatus::kSent, 1, 1, 0, 7, ""}})));
  EXPECT_EQ(*Await(store_->LastMessageId()), std::max(a, b)) << "sent messages count too";
  EXPECT_GT(MustEnqueue(Direct("bot", 3, "c")), std::max(a, b));
}

TEST_P(OutcomesTest, CompleteOfFiveHundredIsFast) {
  std::vector<Completion> batch;
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 0; i < 500; ++i) {
      TGATE_CO_ASSIGN_OR_RETURN(auto enqueued, co_await tx.Enqueue(Direct("bot", 1000 + i, "m")));
      batch.push_back(Completion{enqueued.id, MessageStatus::kSent, 1, 1, 0, 10 + i, ""});
    }
    co_return Status::Ok();
  })));
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK(Await(store_->Complete(batch)));
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ timing ] Complete(500) on %s: %lld us\n", testing::BackendName({GetParam(), 0}).c_str(),
              static_cast<long long>(us));
  EXPECT_TRUE(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10))->empty());
  EXPECT_EQ(Await(store_->GetMessage(batch[499].id))->telegram_message_id, 509);
}

// What a closed chat has queued is failed by the dispatcher as it loads it:
// every read of a message says whether its chat is bound to a user who has
// blocked the bot, however the message was addressed.
TEST_P(OutcomesTest, EveryReadOfAMessageSaysWhetherItsChatIsBlocked) {
  MustBind("bot", "ann", 1);
  MustBind("bot", "bob", 2);
  NewMessage to_ann = Direct("bot", 0, "a");
  to_ann.user = "ann";
  NewMessage to_bob = Direct("bot", 0, "b");
  to_bob.user = "bob";
  const int64_t a = MustEnqueue(to_ann);
  const int64_t b = MustEnqueue(to_bob);
  const int64_t by_chat = MustEnqueue(Direct("bot", 1, "addressed by chat id alone"));
  NewMessage other_bot = Direct("bot2", 1, "o");
  other_bot.user = "ann";
  const int64_t o = MustEnqueue(other_bot);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 1, UserStatus::kBlocked)));

  auto blocked = [&](std::vector<Message> loaded) {
    std::map<int64_t, bool> out;
    for (const Message& m : loaded) out[m.id] = m.chat_blocked;
    return out;
  };
  const std::map<int64_t, bool> expected{{a, true}, {b, false}, {by_chat, true}};
  EXPECT_EQ(blocked(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10)).value()), expected);
  EXPECT_TRUE(Await(store_->GetMessage(a))->chat_blocked);
  EXPECT_FALSE(Await(store_->GetMessage(o))->chat_blocked) << "another bot's binding, not blocked";
  EXPECT_EQ(Await(store_->GetMessage(a))->status, MessageStatus::kQueued) << "failed by its reader, not here";

  ASSERT_OK(Await(store_->SetChatStatus("bot", 1, UserStatus::kActive)));
  EXPECT_FALSE(Await(store_->GetMessage(a))->chat_blocked) << "unblocked before it was loaded: it is sent";
  EXPECT_FALSE(Await(store_->GetMessage(by_chat))->chat_blocked);
  // Its user linked another chat since: the closed chat is no longer bound.
  ASSERT_OK(Await(store_->SetChatStatus("bot", 2, UserStatus::kBlocked)));
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "bob", 3, UserStatus::kActive, 100})));
  EXPECT_FALSE(Await(store_->GetMessage(b))->chat_blocked);
}

// A broadcast's load says the same of each of its messages (SQLite reads
// the blocked chats among a load's rows in one walk of the bindings over
// their chat ids, or probes each row's chat when that range holds more
// blocked chats than there are rows).
TEST_P(OutcomesTest, ABroadcastsLoadSaysWhichOfItsChatsAreBlocked) {
  for (int chat = 1; chat <= 40; ++chat) MustBind("bot", "u" + std::to_string(chat), chat);
  MustBind("bot2", "u17", 17);
  ASSERT_OK(Await(store_->SetChatStatus("bot2", 17, UserStatus::kBlocked)));
  auto made = Await(store_->CreateBroadcast(testing::NewsToAll("bot"), 1000));
  ASSERT_OK(made);
  const int64_t id = made->id;
  for (int64_t chat : {5, 33, 40}) ASSERT_OK(Await(store_->SetChatStatus("bot", chat, UserStatus::kBlocked)));
  auto blocked_chats = [&](int64_t broadcast) {
    std::vector<int64_t> out;
    auto loaded = Await(store_->LoadBroadcastQueued("bot", broadcast, 0, INT64_MAX, 100));
    EXPECT_OK(loaded);
    if (!loaded.ok()) return out;
    for (const Message& m : *loaded) {
      EXPECT_EQ(Await(store_->GetMessage(m.id))->chat_blocked, m.chat_blocked) << m.chat_id;
      if (m.chat_blocked) out.push_back(m.chat_id);
    }
    return out;
  };
  EXPECT_EQ(blocked_chats(id), (std::vector<int64_t>{5, 33, 40})) << "not 17: another bot's binding";

  // A broadcast to chats 1 and 40 alone: between them 38 more are blocked.
  for (int64_t chat = 2; chat <= 39; ++chat) {
    ASSERT_OK(Await(store_->SetChatStatus("bot", chat, UserStatus::kBlocked)));
  }
  ASSERT_OK(Await(store_->SetChatStatus("bot", 40, UserStatus::kActive)));
  auto sparse = Await(store_->CreateBroadcast(testing::NewsToAll("bot"), 2000));
  ASSERT_OK(sparse);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 40, UserStatus::kBlocked)));
  EXPECT_EQ(blocked_chats(sparse->id), (std::vector<int64_t>{40}));
}

INSTANTIATE_TEST_SUITE_P(Backends, OutcomesTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
