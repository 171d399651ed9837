// The queue: enqueueing one message or many, idempotency keys and their
// fingerprints (also across two connections at once), and reading queued
// messages and recent failures back.
#include <gtest/gtest.h>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

class QueueTest : public StoreTest {};

TEST_P(QueueTest, EnqueueStoresTheMessage) {
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

TEST_P(QueueTest, EnqueueWithAUsedIdempotencyKeyReturnsTheFirstId) {
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

TEST_P(QueueTest, AKeyUsedWithAnotherFingerprintIsRefusedAndStoresNothing) {
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

TEST_P(QueueTest, EnqueueManyAnswersEachMessageAsEnqueueWould) {
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

// A message to a site user with chat_id 0 goes to the chat of the user's
// binding, read in the insert's transaction; an unlinked or blocked user
// refuses that message alone, and a retry is answered before the binding is
// read.
TEST_P(QueueTest, AMessageToAUserGoesToTheChatOfTheirBinding) {
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "alice", 10, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "bob", 20, UserStatus::kActive, 1})));
  NewMessage to_alice = Direct("bot", 0, "hi alice");
  to_alice.user = "alice";
  to_alice.idempotency_key = "k-alice";
  to_alice.idempotency_fingerprint = "fp-alice";
  auto first = Await(store_->Enqueue(to_alice));
  ASSERT_OK(first);
  EXPECT_FALSE(first->existed);
  auto stored = Await(store_->GetMessage(first->id));
  ASSERT_OK(stored);
  EXPECT_EQ(stored->chat_id, 10);
  EXPECT_EQ(stored->user, "alice");
  // Her retry is answered from the first message, and the key reused for
  // another request is refused: while she is linked, and after she blocks.
  NewMessage reused = to_alice;
  reused.idempotency_fingerprint = "fp-other";
  auto expect_retry_answered_and_reuse_refused = [&] {
    auto retry = Await(store_->Enqueue(to_alice));
    ASSERT_OK(retry);
    EXPECT_TRUE(retry->existed);
    EXPECT_EQ(retry->id, first->id);
    EXPECT_EQ(Await(store_->Enqueue(reused)).status().code(), Code::kUnprocessable);
  };
  expect_retry_answered_and_reuse_refused();
  // A user whose chat is a group (a negative id) gets it too.
  ASSERT_OK(Await(store_->Bind(Binding{"bot2", "team", -1001, UserStatus::kActive, 1})));
  NewMessage to_team = Direct("bot2", 0, "hi team");
  to_team.user = "team";
  auto team = Await(store_->Enqueue(to_team));
  ASSERT_OK(team);
  EXPECT_EQ(Await(store_->GetMessage(team->id))->chat_id, -1001);

  // Alice blocks the bot: her retry is still answered from the first message,
  // a new message to her is refused, as is one to a user never linked.
  ASSERT_OK(Await(store_->SetChatStatus("bot", 10, UserStatus::kBlocked)));
  expect_retry_answered_and_reuse_refused();
  NewMessage again = to_alice;
  again.idempotency_key = "k-alice-2";
  auto blocked = Await(store_->Enqueue(again));
  EXPECT_EQ(blocked.status().code(), Code::kConflict);
  EXPECT_NE(blocked.status().message().find("user 'alice' has blocked the bot"), std::string::npos);
  NewMessage to_carol = Direct("bot", 0, "hi carol");
  to_carol.user = "carol";
  auto unknown = Await(store_->Enqueue(to_carol));
  EXPECT_TRUE(unknown.status().IsNotFound());
  EXPECT_NE(unknown.status().message().find("user 'carol' is not linked to this bot"), std::string::npos);

  // In a batch each is answered on its own and the others are stored.
  NewMessage to_bob = Direct("bot", 0, "hi bob");
  to_bob.user = "bob";
  std::vector<NewMessage> batch{again, to_bob, to_carol, to_alice};
  auto results = Await(store_->EnqueueMany(batch));
  ASSERT_OK(results);
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[0].status().code(), Code::kConflict);
  ASSERT_OK((*results)[1]);
  EXPECT_EQ(Await(store_->GetMessage((*results)[1]->id))->chat_id, 20);
  EXPECT_TRUE((*results)[2].status().IsNotFound());
  ASSERT_OK((*results)[3]);
  EXPECT_EQ((*results)[3]->id, first->id);
  // The first message to alice and the one to bob.
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 2u);
}

// A batch of many messages to linked users (SQLite writes runs of them with
// one statement): each is stored to its user's chat with its own text, in
// the batch's order, and only the refused ones are missing: the blocked and
// the unlinked user's, and a retry within the batch, answered from the
// first. A message addressed by chat id in the middle of the run changes
// nothing. Ids are never given twice, even once the newest messages are
// pruned.
TEST_P(QueueTest, ABatchToLinkedUsersStoresEachInOrderAndRefusesOnlyItsOwn) {
  constexpr int kUsers = 40;
  for (int i = 0; i < kUsers; ++i) {
    if (i == 20) continue;  // never linked
    ASSERT_OK(Await(store_->Bind(Binding{"bot", "u" + std::to_string(i), 100 + i, UserStatus::kActive, 1})));
  }
  ASSERT_OK(Await(store_->SetChatStatus("bot", 107, UserStatus::kBlocked)));
  std::vector<NewMessage> batch;
  for (int i = 0; i < kUsers; ++i) {
    NewMessage m = Direct("bot", 0, "m" + std::to_string(i));
    m.user = "u" + std::to_string(i);
    m.idempotency_key = "k" + std::to_string(i);
    m.idempotency_fingerprint = "fp" + std::to_string(i);
    batch.push_back(m);
  }
  batch[31].idempotency_key = batch[30].idempotency_key;  // a retry of message 30
  batch[31].idempotency_fingerprint = batch[30].idempotency_fingerprint;
  batch[31].user = batch[30].user;
  batch[31].text = batch[30].text;
  batch[12] = Direct("bot", 555, "by chat id");
  auto results = Await(store_->EnqueueMany(batch));
  ASSERT_OK(results);
  ASSERT_EQ(results->size(), batch.size());
  auto& r = *results;
  EXPECT_EQ(r[7].status().code(), Code::kConflict);
  EXPECT_TRUE(r[20].status().IsNotFound());
  ASSERT_OK(r[30]);
  ASSERT_OK(r[31]);
  EXPECT_TRUE(r[31]->existed);
  EXPECT_EQ(r[31]->id, r[30]->id);
  int64_t last = 0;
  for (int i = 0; i < kUsers; ++i) {
    if (i == 7 || i == 20 || i == 31) continue;
    ASSERT_OK(r[i]) << i;
    EXPECT_FALSE(r[i]->existed) << i;
    EXPECT_GT(r[i]->id, last) << i;  // in the batch's order
    last = r[i]->id;
    auto stored = Await(store_->GetMessage(r[i]->id));
    ASSERT_OK(stored);
    EXPECT_EQ(stored->text, batch[i].text) << i;
    EXPECT_EQ(stored->chat_id, i == 12 ? 555 : 100 + i) << i;
    EXPECT_EQ(stored->user, batch[i].user) << i;
    EXPECT_EQ(stored->status, MessageStatus::kQueued) << i;
  }
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), size_t{kUsers - 3});

  // The newest message is finished and pruned: the next batch's ids still
  // come after it.
  Finish(last, MessageStatus::kSent);
  clock_.Advance(std::chrono::hours(24 * 8));
  ASSERT_OK(Await(store_->PruneMessages(clock_.UnixSeconds() - 7 * 24 * 3600, 100)));
  ASSERT_TRUE(Await(store_->GetMessage(last)).status().IsNotFound());
  std::vector<NewMessage> next;
  for (int i = 0; i < 3; ++i) {
    NewMessage m = Direct("bot", 0, "again");
    m.user = "u" + std::to_string(i);
    next.push_back(m);
  }
  auto again = Await(store_->EnqueueMany(next));
  ASSERT_OK(again);
  for (auto& e : *again) {
    ASSERT_OK(e);
    EXPECT_GT(e->id, last);
  }
}

// What a run of a batch writes in one statement (PostgreSQL passes it as
// arrays) comes back as each message was given: any text, options, no key,
// a deadline or none, two bots, and one user's messages in their order.
TEST_P(QueueTest, ABatchKeepsEachMessageAsItWasGiven) {
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "u1", 11, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "u2", 12, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->Bind(Binding{"bot2", "u1", 21, UserStatus::kActive, 1})));
  const std::vector<std::string> texts = {
      "plain", "quotes \" and ' and \\ backslash", "{braces},commas,\"NULL\"",
      "NULL",  "ünïcødé ✓ 🚀 and\nnew\tlines",      std::string(4000, 'x')};
  std::vector<NewMessage> batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    NewMessage m = Direct(i == 3 ? "bot2" : "bot", 0, texts[i]);
    m.user = i % 3 == 2 ? "u2" : "u1";
    m.options_json = i % 2 == 0 ? R"({"parse_mode":"HTML","x":"a\"b"})" : "";
    if (i % 2 == 1) m.idempotency_key = "key,{" + std::to_string(i) + "}\"";
    if (i % 2 == 1) m.idempotency_fingerprint = "fp" + std::to_string(i);
    m.expires_at_ms = i == 4 ? 1'900'000'000'000 : 0;
    batch.push_back(m);
  }
  auto results = Await(store_->EnqueueMany(batch));
  ASSERT_OK(results);
  ASSERT_EQ(results->size(), batch.size());
  int64_t last = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    ASSERT_OK((*results)[i]) << i;
    EXPECT_FALSE((*results)[i]->existed) << i;
    EXPECT_GT((*results)[i]->id, last) << i;
    last = (*results)[i]->id;
    auto stored = Await(store_->GetMessage(last));
    ASSERT_OK(stored);
    EXPECT_EQ(stored->bot, batch[i].bot) << i;
    EXPECT_EQ(stored->user, batch[i].user) << i;
    EXPECT_EQ(stored->chat_id, batch[i].bot == "bot2" ? 21 : batch[i].user == "u1" ? 11 : 12) << i;
    EXPECT_EQ(stored->text, batch[i].text) << i;
    EXPECT_EQ(stored->options_json, batch[i].options_json) << i;
    EXPECT_EQ(stored->expires_at_ms, batch[i].expires_at_ms) << i;
    if (!batch[i].idempotency_key.empty()) {
      EXPECT_EQ(Await(store_->FindMessageByIdempotencyKey(batch[i].bot, batch[i].idempotency_key,
                                                          batch[i].idempotency_fingerprint))
                    .value(),
                last)
          << i;
    }
  }
}

TEST_P(QueueTest, FindMessageByIdempotencyKeyChecksTheFingerprint) {
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
TEST_P(QueueTest, TwoConnectionsRacingWithOneKeyMakeOneMessage) {
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

TEST_P(QueueTest, LoadQueuedFiltersByBotPriorityStatusAndCursor) {
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

TEST_P(QueueTest, RecentFailuresNewestFirstWithinTheScan) {
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

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
