#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>

#include "core/status_macros.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

TEST(StoreStrings, StatusWords) {
  EXPECT_EQ(ToString(MessageStatus::kQueued), "queued");
  EXPECT_EQ(ToString(MessageStatus::kSent), "sent");
  EXPECT_EQ(ToString(MessageStatus::kFailed), "failed");
  EXPECT_EQ(ToString(MessageStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(UserStatus::kActive), "active");
  EXPECT_EQ(ToString(UserStatus::kBlocked), "blocked");
}

TEST(StoreOpen, RefusesUnknownSynchronousAndOpensThroughTheInterface) {
  StoreOptions bad{":memory:", "sometimes"};
  EXPECT_EQ(Store::Open(bad).status().code(), Code::kInvalidArgument);
  StoreOptions full{":memory:", "FULL"};
  auto store = Store::Open(full);
  ASSERT_OK(store);
  EXPECT_EQ(Await((*store)->CountBindings("b", UserStatus::kActive)).value(), 0);
}

TEST_P(StoreTest, LinkTokenIsSingleUse) {
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

TEST_P(StoreTest, PruneLinkTokensDeletesOnlyExpired) {
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"old", "bot", "1", 99})));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"edge", "bot", "2", 100})));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"new", "bot", "3", 200})));
  EXPECT_EQ(Await(store_->PruneLinkTokens(100)).value(), 1);
  EXPECT_TRUE(Await(store_->TakeLinkToken("old")).status().IsNotFound());
  EXPECT_OK(Await(store_->TakeLinkToken("edge")));
  EXPECT_OK(Await(store_->TakeLinkToken("new")));
}

TEST_P(StoreTest, BindReplacesTheUsersPreviousChat) {
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

TEST_P(StoreTest, BindTakesTheChatFromAnotherUser) {
  MustBind("bot", "alice", 10);
  MustBind("bot", "bob", 10);
  EXPECT_TRUE(Await(store_->GetBinding("bot", "alice")).status().IsNotFound());
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "bob");
  // Another bot's bindings are separate.
  MustBind("other", "alice", 10);
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "bob");
  EXPECT_EQ(Await(store_->GetBindingByChat("other", 10))->user, "alice");
}

TEST_P(StoreTest, BindReactivatesABlockedUser) {
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 10, UserStatus::kBlocked)));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kBlocked);
  EXPECT_EQ(Await(store_->CountBindings("bot", UserStatus::kBlocked)).value(), 1);
  EXPECT_EQ(Await(store_->CountBindings("bot", UserStatus::kActive)).value(), 0);
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "alice", 10, UserStatus::kBlocked, 200})));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->status, UserStatus::kActive);
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->linked_at, 200);
}

TEST_P(StoreTest, DeleteBindingAndSetChatStatusReportNotFound) {
  EXPECT_TRUE(Await(store_->DeleteBinding("bot", "nobody")).IsNotFound());
  EXPECT_TRUE(Await(store_->SetChatStatus("bot", 99, UserStatus::kBlocked)).IsNotFound());
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->DeleteBinding("bot", "alice")));
  EXPECT_TRUE(Await(store_->GetBinding("bot", "alice")).status().IsNotFound());
  EXPECT_TRUE(Await(store_->DeleteBinding("bot", "alice")).IsNotFound());
}

// The active count is kept by triggers (a broadcast to "all" reads it):
// it must follow every way a binding changes.
TEST_P(StoreTest, ActiveCountFollowsEveryBindingChange) {
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

TEST_P(StoreTest, MoveChatMovesTheBindingAndQueuedMessagesOnly) {
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

TEST_P(StoreTest, AMovedChatIsRememberedForLaterMessages) {
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

TEST_P(StoreTest, AFailedMoveRemembersNothing) {
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.MoveChat("bot", -100, -1001));
    co_return Status::Internal("rolled back");
  }));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(Await(store_->GetMessage(MustEnqueue(Direct("bot", -100, "x"))))->chat_id, -100);
}

TEST_P(StoreTest, EnqueueStoresTheMessage) {
  NewMessage m = Direct("bot", 10, "hello");
  m.user = "alice";
  m.options_json = R"({"parse_mode":"HTML"})";
  auto enqueued = Await(store_->Enqueue(m));
  ASSERT_OK(enqueued);
  EXPECT_FALSE(enqueued->existed);
  const int64_t id = enqueued->id;
  auto got = Await(store_->GetMessage(id));
  ASSERT_OK(got);
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->bot, "bot");
  EXPECT_EQ(got->user, "alice");
  EXPECT_EQ(got->chat_id, 10);
  EXPECT_EQ(got->text, "hello");
  EXPECT_EQ(got->options_json, R"({"parse_mode":"HTML"})");
  EXPECT_EQ(got->priority, Priority::kDirect);
  EXPECT_EQ(got->broadcast_id, 0);
  EXPECT_FALSE(got->paid);
  EXPECT_EQ(got->status, MessageStatus::kQueued);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_GT(got->created_at, 0);
  EXPECT_TRUE(Await(store_->GetMessage(id + 1)).status().IsNotFound());
  EXPECT_EQ(Await(store_->Enqueue(Direct("", 10, "x"))).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Await(store_->Enqueue(Direct("bot", 0, "x"))).status().code(), Code::kInvalidArgument);
}

TEST_P(StoreTest, EnqueueWithAUsedIdempotencyKeyReturnsTheFirstId) {
  NewMessage m = Direct("bot", 10, "once");
  m.idempotency_key = "k1";
  Enqueued e = Await(store_->Enqueue(m)).value();
  const int64_t first = e.id;
  EXPECT_FALSE(e.existed);
  m.text = "twice";
  e = Await(store_->Enqueue(m)).value();
  EXPECT_EQ(e.id, first);
  EXPECT_TRUE(e.existed);
  EXPECT_EQ(Await(store_->Enqueue(m)).value().id, first);
  EXPECT_EQ(Await(store_->GetMessage(first))->text, "once");
  // The key is per bot, and messages without a key never collide.
  m.bot = "bot2";
  e = Await(store_->Enqueue(m)).value();
  EXPECT_NE(e.id, first);
  EXPECT_FALSE(e.existed);
  int64_t a = MustEnqueue(Direct("bot", 10, "a"));
  int64_t b = MustEnqueue(Direct("bot", 10, "b"));
  EXPECT_NE(a, b);
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 3u);
}

TEST_P(StoreTest, AKeyUsedWithAnotherFingerprintIsRefusedAndStoresNothing) {
  NewMessage m = Direct("bot", 10, "once");
  m.idempotency_key = "k1";
  m.idempotency_fingerprint = "fp-a";
  Enqueued e = Await(store_->Enqueue(m)).value();
  const int64_t first = e.id;
  EXPECT_FALSE(e.existed);
  // A retry of the same request: the first answer again.
  e = Await(store_->Enqueue(m)).value();
  EXPECT_EQ(e.id, first);
  EXPECT_TRUE(e.existed);
  // The key reused for another request: refused, nothing stored.
  NewMessage other = Direct("bot", 10, "another message");
  other.idempotency_key = "k1";
  other.idempotency_fingerprint = "fp-b";
  auto refused = Await(store_->Enqueue(other));
  EXPECT_EQ(refused.status().code(), Code::kUnprocessable);
  EXPECT_NE(refused.status().message().find("k1"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find(std::to_string(first)), std::string::npos);
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 1u);
  EXPECT_EQ(Await(store_->GetMessage(first))->text, "once");
  // Keys are per bot.
  other.bot = "bot2";
  e = Await(store_->Enqueue(other)).value();
  EXPECT_NE(e.id, first);
  EXPECT_FALSE(e.existed);
}

TEST_P(StoreTest, EnqueueManyAnswersEachMessageAsEnqueueWould) {
  NewMessage before = Direct("bot", 10, "before");
  before.idempotency_key = "k0";
  before.idempotency_fingerprint = "fp-0";
  const int64_t k0 = MustEnqueue(before);
  std::vector<NewMessage> batch;
  batch.push_back(Direct("bot", 11, "plain"));
  NewMessage keyed = Direct("bot", 12, "keyed");
  keyed.idempotency_key = "k1";
  keyed.idempotency_fingerprint = "fp-1";
  batch.push_back(keyed);
  batch.push_back(keyed);  // a retry within the batch
  NewMessage conflict = keyed;
  conflict.text = "another body";
  conflict.idempotency_fingerprint = "fp-other";
  batch.push_back(conflict);                 // the key reused within the batch
  batch.push_back(before);                   // a retry of an earlier call
  batch.push_back(Direct("", 1, "no bot"));  // invalid: refused alone
  batch.push_back(Direct("bot", 13, "last"));
  auto results = Await(store_->EnqueueMany(batch));
  ASSERT_OK(results);
  ASSERT_EQ(results->size(), batch.size());
  auto& r = *results;
  ASSERT_OK(r[0]);
  EXPECT_FALSE(r[0]->existed);
  ASSERT_OK(r[1]);
  EXPECT_FALSE(r[1]->existed);
  ASSERT_OK(r[2]);
  EXPECT_TRUE(r[2]->existed);
  EXPECT_EQ(r[2]->id, r[1]->id);
  EXPECT_EQ(r[3].status().code(), Code::kUnprocessable);
  ASSERT_OK(r[4]);
  EXPECT_TRUE(r[4]->existed);
  EXPECT_EQ(r[4]->id, k0);
  EXPECT_EQ(r[5].status().code(), Code::kInvalidArgument);
  ASSERT_OK(r[6]);
  EXPECT_FALSE(r[6]->existed);
  EXPECT_EQ(Await(store_->GetMessage(r[1]->id))->text, "keyed");
  EXPECT_EQ(Await(store_->GetMessage(r[6]->id))->text, "last");
  // before, plain, keyed, last.
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 4u);
  EXPECT_TRUE(Await(store_->EnqueueMany({})).value().empty());
}

TEST_P(StoreTest, FindMessageByIdempotencyKeyChecksTheFingerprint) {
  NewMessage m = Direct("bot", 10, "once");
  m.idempotency_key = "k1";
  m.idempotency_fingerprint = "fp-a";
  const int64_t first = MustEnqueue(m);
  EXPECT_EQ(Await(store_->FindMessageByIdempotencyKey("bot", "k1", "fp-a")).value(), first);
  EXPECT_EQ(Await(store_->FindMessageByIdempotencyKey("bot", "k1", "fp-b")).status().code(),
            Code::kUnprocessable);
  EXPECT_TRUE(Await(store_->FindMessageByIdempotencyKey("bot", "k2", "fp-a")).status().IsNotFound());
  EXPECT_TRUE(Await(store_->FindMessageByIdempotencyKey("bot2", "k1", "fp-a")).status().IsNotFound());
  EXPECT_TRUE(Await(store_->FindMessageByIdempotencyKey("bot", "", "")).status().IsNotFound());
  // A message stored without a fingerprint (before schema 9) is not compared.
  NewMessage old = Direct("bot", 10, "old");
  old.idempotency_key = "k-old";
  const int64_t old_id = MustEnqueue(old);
  EXPECT_EQ(Await(store_->FindMessageByIdempotencyKey("bot", "k-old", "fp-any")).value(), old_id);
}

// Two requests with one key at once: each looked the key up before either
// stored (both NotFound), and the unique index decides. The loser, on
// another connection, answers from the winner's row: its id for the same
// request, 422 for another.
TEST_P(StoreTest, TwoConnectionsRacingWithOneKeyMakeOneMessage) {
  if (!GetParam()) GTEST_SKIP() << "needs a database shared by two connections";
  auto second = OpenSecond();
  ASSERT_OK(second);
  NewMessage m = Direct("bot", 10, "once");
  m.idempotency_key = "k1";
  m.idempotency_fingerprint = "fp-a";
  NewMessage other = m;
  other.text = "changed";
  other.idempotency_fingerprint = "fp-b";
  ASSERT_TRUE(Await(store_->FindMessageByIdempotencyKey("bot", "k1", "fp-a")).status().IsNotFound());
  ASSERT_TRUE(Await((*second)->FindMessageByIdempotencyKey("bot", "k1", "fp-a")).status().IsNotFound());
  ASSERT_TRUE(Await((*second)->FindMessageByIdempotencyKey("bot", "k1", "fp-b")).status().IsNotFound());

  const Enqueued winner = Await(store_->Enqueue(m)).value();
  EXPECT_FALSE(winner.existed);
  const Enqueued loser = Await((*second)->Enqueue(m)).value();
  EXPECT_EQ(loser.id, winner.id);
  EXPECT_TRUE(loser.existed);
  EXPECT_EQ(Await((*second)->Enqueue(other)).status().code(), Code::kUnprocessable);
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 1u);
}

TEST_P(StoreTest, LoadQueuedFiltersByBotPriorityStatusAndCursor) {
  int64_t d1 = MustEnqueue(Direct("bot", 1, "d1"));
  NewMessage bm = Direct("bot", 2, "b");
  bm.priority = Priority::kBroadcast;
  int64_t b1 = MustEnqueue(bm);
  int64_t d2 = MustEnqueue(Direct("bot", 3, "d2"));
  int64_t d3 = MustEnqueue(Direct("bot", 4, "d3"));
  MustEnqueue(Direct("other", 5, "x"));
  ASSERT_OK(Await(store_->Complete({Completion{d2, MessageStatus::kFailed, 1, 0, 0, 0, "bad"}})));

  auto direct = Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10));
  ASSERT_OK(direct);
  ASSERT_EQ(direct->size(), 2u);
  EXPECT_EQ((*direct)[0].id, d1);
  EXPECT_EQ((*direct)[1].id, d3);
  EXPECT_EQ((*direct)[1].text, "d3");
  auto after = Await(store_->LoadQueued("bot", Priority::kDirect, d1, 10));
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, d3);
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 1))->size(), 1u);
  auto broadcast = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10));
  ASSERT_EQ(broadcast->size(), 1u);
  EXPECT_EQ((*broadcast)[0].id, b1);
}

TEST_P(StoreTest, RecentFailuresNewestFirstWithinTheScan) {
  int64_t f1 = MustEnqueue(Direct("bot", 1, "f1"));
  int64_t ok = MustEnqueue(Direct("bot", 2, "ok"));
  int64_t other = MustEnqueue(Direct("other", 3, "x"));
  int64_t f2 = MustEnqueue(Direct("bot", 4, "f2"));
  int64_t f3 = MustEnqueue(Direct("bot", 5, "f3"));
  ASSERT_OK(Await(store_->Complete({
      Completion{f1, MessageStatus::kFailed, 1, 0, 0, 0, "400: chat not found"},
      Completion{ok, MessageStatus::kSent, 1, 1, 0, 5, ""},
      Completion{other, MessageStatus::kFailed, 1, 0, 0, 0, "other bot"},
      Completion{f2, MessageStatus::kFailed, 8, 0, 0, 0, "network: timeout"},
      Completion{f3, MessageStatus::kFailed, 1, 0, 0, 0, "403: blocked"},
  })));
  auto all = Await(store_->RecentFailures("bot", 10, 1000));
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, f3);
  EXPECT_EQ((*all)[0].error, "403: blocked");
  EXPECT_EQ((*all)[1].id, f2);
  EXPECT_EQ((*all)[2].id, f1);
  EXPECT_GT((*all)[2].updated_at, 0);
  EXPECT_EQ(Await(store_->RecentFailures("bot", 2, 1000))->size(), 2u);
  // Only the newest message is looked at: f3, not f2 just before it.
  auto scanned = Await(store_->RecentFailures("bot", 10, 1));
  ASSERT_EQ(scanned->size(), 1u);
  EXPECT_EQ((*scanned)[0].id, f3);
}

TEST_P(StoreTest, CompleteWritesEveryOutcomeOfTheBatch) {
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
TEST_P(StoreTest, CompleteKeepsPartsApartFromAttempts) {
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

TEST_P(StoreTest, ARetryCompletionDoesNotReviveAFailedMessage) {
  int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  ASSERT_OK(Await(store_->FailQueuedForChat("bot", 1, "blocked")));
  ASSERT_OK(Await(store_->Complete({Completion{a, MessageStatus::kQueued, 1, 0, 5, 0, "retry"}})));
  EXPECT_EQ(Await(store_->GetMessage(a))->status, MessageStatus::kFailed);
  EXPECT_EQ(Await(store_->GetMessage(a))->error, "blocked");
}

TEST_P(StoreTest, RecentGroupSendsAreTheGroupPartsDeliveredSinceAGivenSecond) {
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

TEST_P(StoreTest, LastMessageIdIsTheHighestOfAnyBot) {
  EXPECT_EQ(*Await(store_->LastMessageId()), 0);
  const int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  const int64_t b = MustEnqueue(Direct("other", 2, "b"));
  EXPECT_EQ(*Await(store_->LastMessageId()), std::max(a, b));
  ASSERT_OK(Await(store_->Complete({Completion{b, MessageStatus::kSent, 1, 1, 0, 7, ""}})));
  EXPECT_EQ(*Await(store_->LastMessageId()), std::max(a, b)) << "sent messages count too";
  EXPECT_GT(MustEnqueue(Direct("bot", 3, "c")), std::max(a, b));
}

TEST_P(StoreTest, CompleteOfFiveHundredIsFast) {
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

TEST_P(StoreTest, FailQueuedForChatReturnsTheIdsItFailed) {
  int64_t a = MustEnqueue(Direct("bot", 1, "a"));
  int64_t b = MustEnqueue(Direct("bot", 1, "b"));
  int64_t sent = MustEnqueue(Direct("bot", 1, "s"));
  int64_t other_chat = MustEnqueue(Direct("bot", 2, "o"));
  int64_t other_bot = MustEnqueue(Direct("bot2", 1, "o"));
  ASSERT_OK(Await(store_->Complete({Completion{sent, MessageStatus::kSent, 1, 1, 0, 9, ""}})));
  auto failed = Await(store_->FailQueuedForChat("bot", 1, "blocked: the user blocked the bot"));
  ASSERT_OK(failed);
  EXPECT_EQ(*failed, (std::vector<int64_t>{a, b}));
  EXPECT_EQ(Await(store_->GetMessage(a))->status, MessageStatus::kFailed);
  EXPECT_EQ(Await(store_->GetMessage(b))->error, "blocked: the user blocked the bot");
  EXPECT_EQ(Await(store_->GetMessage(sent))->status, MessageStatus::kSent);
  EXPECT_EQ(Await(store_->GetMessage(other_chat))->status, MessageStatus::kQueued);
  EXPECT_EQ(Await(store_->GetMessage(other_bot))->status, MessageStatus::kQueued);
  EXPECT_TRUE(Await(store_->FailQueuedForChat("bot", 1, "again"))->empty());
}

TEST_P(StoreTest, RunInTransactionRollsBackEverythingOnError) {
  MustBind("bot", "alice", 10);
  Status s = Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    const LinkToken token{"t", "bot", "1", 5};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.PutLinkToken(token));
    const Binding binding{"bot", "bob", 10, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    auto enqueued = co_await tx.Enqueue(Direct("bot", 10, "x"));
    if (!enqueued.ok()) co_return enqueued.status();
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"type":"x"})", 1));
    co_return Status::Unavailable("give up");
  }));
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(s.message(), "give up");
  EXPECT_TRUE(Await(store_->TakeLinkToken("t")).status().IsNotFound());
  EXPECT_EQ(Await(store_->GetBindingByChat("bot", 10))->user, "alice");
  EXPECT_TRUE(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 10))->empty());
  EXPECT_TRUE(Await(store_->DueEvents(100, 10))->empty());
  // The connection is usable afterwards.
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"t", "bot", "1", 5})));
}

// The contract forbids callers to nest RunInTransaction; SqliteStore's own
// multi-statement methods (Bind, WriteOutcomes, ...) nest inside a caller's
// transaction as savepoints, which is what this tests.
TEST_P(StoreTest, NestedTransactionsJoinTheOuterOne) {
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    const LinkToken outer{"outer", "bot", "1", 5};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.PutLinkToken(outer));
    // A failing inner transaction undoes only its own writes.
    Status inner = co_await tx.RunInTransaction([&](Store& inner_tx) -> Awaitable<Status> {
      const LinkToken inner_token{"inner", "bot", "2", 5};
      TGATE_CO_RETURN_IF_ERROR(co_await inner_tx.PutLinkToken(inner_token));
      co_return Status::Internal("inner fails");
    });
    EXPECT_EQ(inner.code(), Code::kInternal);
    // Multi-statement methods (Bind) nest as savepoints too.
    const Binding alice{"bot", "alice", 10, UserStatus::kActive, 100};
    Status bound = co_await tx.Bind(alice);
    EXPECT_OK(bound);
    co_return Status::Ok();
  })));
  EXPECT_OK(Await(store_->TakeLinkToken("outer")));
  EXPECT_TRUE(Await(store_->TakeLinkToken("inner")).status().IsNotFound());
  EXPECT_OK(Await(store_->GetBinding("bot", "alice")));

  // An outer failure undoes an inner success.
  Status s = Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.RunInTransaction([&](Store& inner_tx) -> Awaitable<Status> {
      const LinkToken gone{"gone", "bot", "3", 5};
      co_return co_await inner_tx.PutLinkToken(gone);
    }));
    co_return Status::Conflict("outer fails");
  }));
  EXPECT_TRUE(s.IsConflict());
  EXPECT_TRUE(Await(store_->TakeLinkToken("gone")).status().IsNotFound());
}

TEST_P(StoreTest, DataSurvivesReopen) {
  if (!GetParam()) GTEST_SKIP() << "a :memory: database does not outlive its connection";
  MustBind("bot", "alice", 10);
  int64_t id = MustEnqueue(Direct("bot", 10, "durable"));
  ASSERT_OK(Await(store_->PutLinkToken(LinkToken{"tok", "bot", "bob", 50})));
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 7, "{}"})).value());
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"linked"})", 1000)));
  ASSERT_OK(Reopen());
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  EXPECT_EQ(Await(store_->GetMessage(id))->text, "durable");
  EXPECT_EQ(Await(store_->TakeLinkToken("tok"))->user, "bob");
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 7, "{}"})).value());
  EXPECT_EQ(Await(store_->DueEvents(1000, 10))->size(), 1u);
  // Ids keep growing across reopen (AUTOINCREMENT).
  EXPECT_GT(MustEnqueue(Direct("bot", 10, "next")), id);
}

// For /metrics: how many events wait and since when, the delivered ones gone.
TEST_P(StoreTest, BacklogCountsThePendingEventsAndTheOldest) {
  auto empty = Await(store_->Backlog());
  ASSERT_OK(empty);
  EXPECT_EQ(empty->pending, 0);
  EXPECT_EQ(empty->oldest_created_s, 0);
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"a"})", 5'000'000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"b"})", 9'000'000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"c"})", 7'000'000)));
  auto three = Await(store_->Backlog());
  ASSERT_OK(three);
  EXPECT_EQ(three->pending, 3);
  EXPECT_EQ(three->oldest_created_s, 5000);
  auto due = Await(store_->DueEvents(5'000'000, 1));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 1u);
  ASSERT_OK(Await(store_->EventDelivered((*due)[0].id)));
  auto two = Await(store_->Backlog());
  ASSERT_OK(two);
  EXPECT_EQ(two->pending, 2);
  EXPECT_EQ(two->oldest_created_s, 9000) << "the oldest left is the next written";
}

// The readiness probe writes and changes nothing: the schema is the same
// version and every row is still there.
TEST_P(StoreTest, ProbeWriteCommitsAndChangesNothing) {
  MustBind("bot", "alice", 10);
  ASSERT_OK(Await(store_->ProbeWrite()));
  ASSERT_OK(Await(store_->ProbeWrite()));
  EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  if (GetParam() == testing::kFile) {
    ASSERT_OK(Reopen());  // the schema version is still the latest: opening migrates nothing
    EXPECT_EQ(Await(store_->GetBinding("bot", "alice"))->chat_id, 10);
  }
}

// A database another writer holds locked takes no writes: the probe says so
// (briefly: it must not stall the io thread for the whole busy timeout).
TEST_P(StoreTest, ProbeWriteFailsWhileAnotherWriterHoldsTheLock) {
  if (GetParam() != testing::kFile) GTEST_SKIP() << "SQLite's file lock";
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const Status locked = Await(store_->ProbeWrite());
  EXPECT_FALSE(locked.ok());
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_OK(Await(store_->ProbeWrite()));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
