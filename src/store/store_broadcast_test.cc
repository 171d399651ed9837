#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

class BroadcastTest : public StoreTest {};

constexpr int64_t kNowMs = 1'767'225'600'000;

NewBroadcast ToAll(std::string bot, int64_t spread_seconds) {
  NewBroadcast b;
  b.bot = std::move(bot);
  b.all = true;
  b.text = "news";
  b.options_json = R"({"parse_mode":"HTML"})";
  b.spread_seconds = spread_seconds;
  return b;
}

TEST_P(BroadcastTest, ToAllQueuesOneMessagePerActiveChatSpreadByChatId) {
  // Bound out of chat order, to show the spread follows chat ids.
  MustBind("bot", "u3", 30);
  MustBind("bot", "u1", 10);
  MustBind("bot", "u4", 40);
  MustBind("bot", "u2", 20);
  MustBind("bot", "blocked", 50);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 50, UserStatus::kBlocked)));
  MustBind("other", "x", 60);
  int64_t direct = MustEnqueue(Direct("bot", 10, "direct"));

  NewBroadcast nb = ToAll("bot", 10);
  nb.paid = true;
  auto b = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(b);
  EXPECT_GT(b->id, 0);
  EXPECT_EQ(b->bot, "bot");
  EXPECT_EQ(b->total, 4);
  EXPECT_EQ(b->pending, 4);
  EXPECT_EQ(b->skipped, 0);
  EXPECT_EQ(b->status, "running");
  EXPECT_TRUE(b->paid);
  EXPECT_EQ(b->created_at, kNowMs / 1000);

  auto queued = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 4u);
  const int64_t chats[] = {10, 20, 30, 40};
  const char* users[] = {"u1", "u2", "u3", "u4"};
  for (int i = 0; i < 4; ++i) {
    const Message& m = (*queued)[i];
    EXPECT_EQ(m.chat_id, chats[i]);
    EXPECT_EQ(m.user, users[i]);
    EXPECT_EQ(m.not_before_ms, kNowMs + i * 2500) << i;  // 10 s over 4 chats
    EXPECT_EQ(m.text, "news");
    EXPECT_EQ(m.options_json, R"({"parse_mode":"HTML"})");
    EXPECT_EQ(m.broadcast_id, b->id);
    EXPECT_EQ(m.priority, Priority::kBroadcast);
    EXPECT_TRUE(m.paid);
    EXPECT_EQ(m.status, MessageStatus::kQueued);
    EXPECT_GT(m.id, direct);
  }
  // Direct work is untouched and still loads on its own.
  ASSERT_EQ(Await(store_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(), 1u);
  EXPECT_EQ(Await(store_->GetMessage((*queued)[0].id))->text, "news");
}

TEST_P(BroadcastTest, AUsedIdempotencyKeyAnswersWithTheFirstBroadcastOrIsRefused) {
  for (int i = 1; i <= 3; ++i) MustBind("bot", "u" + std::to_string(i), i);
  MustBind("bot2", "x", 9);
  NewBroadcast nb;
  nb.bot = "bot";
  nb.users = {"u1", "u2", "nobody"};
  nb.text = "news";
  nb.options_json = "{}";
  nb.idempotency_key = "campaign-1";
  nb.idempotency_fingerprint = "fp-a";
  auto first = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(first);
  EXPECT_EQ(first->total, 2);
  EXPECT_EQ(first->skipped, 1);
  // A retry: the first broadcast again, nothing new queued.
  auto again = Await(store_->CreateBroadcast(nb, kNowMs + 1000));
  ASSERT_OK(again);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->total, 2);
  EXPECT_EQ(again->skipped, 1);
  EXPECT_EQ(again->skipped_users, first->skipped_users);
  EXPECT_EQ(again->skipped_users, (std::vector<SkippedUser>{{"nobody", "not_linked"}}));
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100))->size(), 2u);
  // The key reused for another broadcast: refused, nothing stored.
  NewBroadcast other = nb;
  other.users = {"u3"};
  other.idempotency_fingerprint = "fp-b";
  auto refused = Await(store_->CreateBroadcast(other, kNowMs + 2000));
  EXPECT_EQ(refused.status().code(), Code::kUnprocessable);
  EXPECT_NE(refused.status().message().find("campaign-1"), std::string::npos) << refused.status().message();
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100))->size(), 2u);
  EXPECT_TRUE(Await(store_->GetBroadcast(first->id + 1)).status().IsNotFound());
  // Keys are per bot; without a key every call is a new broadcast.
  other.bot = "bot2";
  other.users = {"x"};
  auto on_bot2 = Await(store_->CreateBroadcast(other, kNowMs));
  ASSERT_OK(on_bot2);
  EXPECT_NE(on_bot2->id, first->id);
  nb.idempotency_key.clear();
  nb.idempotency_fingerprint.clear();
  EXPECT_NE(Await(store_->CreateBroadcast(nb, kNowMs))->id, Await(store_->CreateBroadcast(nb, kNowMs))->id);
}

TEST_P(BroadcastTest, AUsedIdempotencyKeyOfABroadcastToAllMakesNoSecondOne) {
  for (int i = 1; i <= 3; ++i) MustBind("bot", "u" + std::to_string(i), i);
  NewBroadcast nb = ToAll("bot", 0);
  nb.idempotency_key = "all-1";
  nb.idempotency_fingerprint = "fp-a";
  const int64_t first = Await(store_->CreateBroadcast(nb, kNowMs)).value().id;
  auto again = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(again);
  EXPECT_EQ(again->id, first);
  EXPECT_EQ(again->total, 3);
  EXPECT_EQ(Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100))->size(), 3u);
  EXPECT_EQ(Await(store_->ActiveBroadcasts("bot")).value(), std::vector<int64_t>{first});
}

TEST_P(BroadcastTest, EachBroadcastLoadsOnItsOwnInDueOrderUpToAHorizon) {
  for (int i = 1; i <= 10; ++i) MustBind("bot", "u" + std::to_string(i), i);
  MustBind("other", "x", 99);
  const int64_t direct = MustEnqueue(Direct("bot", 1, "direct"));
  auto campaign = Await(store_->CreateBroadcast(ToAll("bot", 100), kNowMs)).value();  // one every 10 s
  auto urgent = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  ASSERT_OK(Await(store_->CreateBroadcast(ToAll("other", 0), kNowMs)));
  EXPECT_EQ(Await(store_->ActiveBroadcasts("bot")).value(), (std::vector<int64_t>{campaign.id, urgent.id}));

  auto due = Await(store_->LoadBroadcastQueued("bot", campaign.id, 0, kNowMs + 25'000, 100)).value();
  ASSERT_EQ(due.size(), 3u) << "due at +0, +10 and +20 s; the one at +30 s waits";
  for (size_t i = 0; i < due.size(); ++i) {
    EXPECT_EQ(due[i].broadcast_id, campaign.id);
    EXPECT_EQ(due[i].chat_id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(due[i].text, "news");
  }
  auto next =
      Await(store_->LoadBroadcastQueued("bot", campaign.id, due.back().id, kNowMs + 45'000, 100)).value();
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].chat_id, 4);
  auto fast = Await(store_->LoadBroadcastQueued("bot", urgent.id, 0, kNowMs, 4)).value();
  ASSERT_EQ(fast.size(), 4u) << "at most the limit";
  for (const Message& m : fast) EXPECT_EQ(m.broadcast_id, urgent.id);
  // One-to-one messages are not part of any broadcast's load.
  for (const Message& m : fast) EXPECT_NE(m.id, direct);

  std::vector<Completion> sent;
  const std::vector<Message> rest =
      Await(store_->LoadBroadcastQueued("bot", urgent.id, 0, kNowMs, 100)).value();
  for (const Message& m : rest) {
    sent.push_back({m.id, MessageStatus::kSent, 1, 1, 0, 1, ""});
  }
  ASSERT_EQ(sent.size(), 10u);
  ASSERT_OK(Await(store_->Complete(sent)));
  EXPECT_EQ(Await(store_->ActiveBroadcasts("bot")).value(), std::vector<int64_t>{campaign.id})
      << "done: not active";
  ASSERT_OK(Await(store_->CancelBroadcast(campaign.id)));
  EXPECT_TRUE(Await(store_->ActiveBroadcasts("bot")).value().empty()) << "cancelled: not active";
}

// A broadcast's rows keep no text of their own: loaded, each has the
// broadcast's text, options and deadline, as GetMessage reads it.
TEST_P(BroadcastTest, ALoadedBroadcastMessageHasItsBroadcastsTextOptionsAndDeadline) {
  for (int i = 1; i <= 3; ++i) MustBind("bot", "u" + std::to_string(i), i);
  NewBroadcast nb = ToAll("bot", 0);
  nb.text = std::string(3000, 'x') + "\xd1\x8f";  // longer than a page holds
  nb.expires_at_ms = kNowMs + 3'600'000;
  auto b = Await(store_->CreateBroadcast(nb, kNowMs)).value();
  NewBroadcast other = ToAll("bot", 0);
  other.text = "other";
  ASSERT_OK(Await(store_->CreateBroadcast(other, kNowMs)));
  const std::vector<Message> q = Await(store_->LoadBroadcastQueued("bot", b.id, 0, kNowMs, 100)).value();
  ASSERT_EQ(q.size(), 3u);
  for (const Message& m : q) {
    EXPECT_EQ(m.broadcast_id, b.id);
    EXPECT_EQ(m.text, nb.text);
    EXPECT_EQ(m.options_json, nb.options_json);
    EXPECT_EQ(m.expires_at_ms, nb.expires_at_ms);
    const Message stored = Await(store_->GetMessage(m.id)).value();
    EXPECT_EQ(stored.text, m.text);
    EXPECT_EQ(stored.options_json, m.options_json);
    EXPECT_EQ(stored.expires_at_ms, m.expires_at_ms);
    EXPECT_EQ(stored.chat_id, m.chat_id);
  }
}

TEST_P(BroadcastTest, ARetryWaitingOutItsBackoffDoesNotHoldBackTheRowsAfterIt) {
  for (int i = 1; i <= 5; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();  // all due now
  const std::vector<Message> q = Await(store_->LoadBroadcastQueued("bot", b.id, 0, kNowMs, 100)).value();
  ASSERT_EQ(q.size(), 5u);
  // The first was tried and answered 5xx: its retry is 10 minutes away.
  const int64_t retry_at = kNowMs + 600'000;
  ASSERT_OK(Await(store_->Complete({Completion{q[0].id, MessageStatus::kQueued, 1, 0, retry_at, 0, ""}})));

  // A load from the start (as after a restart) reads past it to the due rows,
  // and returns it too, with its not_before, for the caller to hold.
  auto after_restart = Await(store_->LoadBroadcastQueued("bot", b.id, 0, kNowMs + 60'000, 100)).value();
  ASSERT_EQ(after_restart.size(), 5u);
  EXPECT_EQ(after_restart[0].id, q[0].id);
  EXPECT_EQ(after_restart[0].not_before_ms, retry_at);
  EXPECT_EQ(after_restart[0].attempts, 1);
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(after_restart[i].id, q[i].id);
  // ... within the limit all the same.
  EXPECT_EQ(Await(store_->LoadBroadcastQueued("bot", b.id, 0, kNowMs, 2)).value().size(), 2u);
}

TEST_P(BroadcastTest, ARowNeverTriedAndNotDueStillEndsTheLoad) {
  // The campaign case: rows never tried hold their schedule, monotone in id,
  // so the first one not due ends the read (nothing later can be due), even
  // after a parked retry.
  for (int i = 1; i <= 10; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto campaign = Await(store_->CreateBroadcast(ToAll("bot", 100), kNowMs)).value();  // one every 10 s
  const std::vector<Message> q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100)).value();
  ASSERT_EQ(q.size(), 10u);
  ASSERT_OK(
      Await(store_->Complete({Completion{q[0].id, MessageStatus::kQueued, 1, 0, kNowMs + 600'000, 0, ""}})));
  auto due = Await(store_->LoadBroadcastQueued("bot", campaign.id, 0, kNowMs + 25'000, 100)).value();
  ASSERT_EQ(due.size(), 3u) << "the parked retry, and the rows due at +10 and +20 s; the one at +30 s waits";
  EXPECT_EQ(due[0].id, q[0].id);
  EXPECT_EQ(due[2].id, q[2].id);
}

TEST_P(BroadcastTest, ToAllIsFilledInChunksThatContinueTheSpread) {
  constexpr int kFirst = SqliteStore::kFirstChunk;
  constexpr int n = kFirst + 50;
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const Binding binding{"bot", "u" + std::to_string(i), i, UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  auto b = Await(store_->CreateBroadcast(ToAll("bot", n), kNowMs));  // one second per target
  ASSERT_OK(b);
  EXPECT_EQ(b->total, n);
  auto first = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 20000));
  ASSERT_OK(first);
  EXPECT_EQ(first->size(), static_cast<size_t>(kFirst));
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->pending, n) << "unfilled targets count as pending";

  // Nothing more while a chunk's worth is still to send.
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 30)), 0);
  auto send = [&](size_t from, size_t to) {
    std::vector<Completion> sent;
    for (size_t i = from; i < to; ++i) sent.push_back({(*first)[i].id, MessageStatus::kSent, 1, 1, 0, 1, ""});
    ASSERT_OK(Await(store_->Complete(sent)));
  };
  send(0, kFirst - 10);  // 10 left to send
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 30)), 30);
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 30)), 0) << "40 left to send: no more yet";
  send(kFirst - 10, kFirst);  // 30 left
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 31)), 20) << "the rest";
  for (int i = 0; i < kFirst; ++i) {
    ASSERT_EQ((*first)[i].chat_id, i + 1);
    ASSERT_EQ((*first)[i].not_before_ms, kNowMs + int64_t{i} * 1000) << i;
  }
  auto rest = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 20000));
  ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), static_cast<size_t>(n - kFirst));
  for (int i = kFirst; i < n; ++i) {  // the chunks continue the spread
    ASSERT_EQ((*rest)[i - kFirst].chat_id, i + 1);
    ASSERT_EQ((*rest)[i - kFirst].not_before_ms, kNowMs + int64_t{i} * 1000) << i;
  }
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->pending, n - kFirst);
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 1000)), 0) << "complete";
  // Loaded from the start (after a restart), the broadcast has the later
  // chunks' messages left, whatever it sent of the first.
  auto left = Await(store_->LoadBroadcastQueued("bot", b->id, 0, INT64_MAX, 20000));
  ASSERT_OK(left);
  ASSERT_EQ(left->size(), rest->size());
  for (size_t i = 0; i < left->size(); ++i) ASSERT_EQ((*left)[i].id, (*rest)[i].id) << i;
}

TEST_P(BroadcastTest, ALoadFromTheStartFindsAMessageHeldBackAndWhatWasNeverSent) {
  for (int i = 1; i <= 8; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto q = Await(store_->LoadBroadcastQueued("bot", b.id, 0, INT64_MAX, 100)).value();
  ASSERT_EQ(q.size(), 8u);
  auto ids = [&](int64_t after) {
    std::vector<int64_t> out;
    auto loaded = Await(store_->LoadBroadcastQueued("bot", b.id, after, INT64_MAX, 100));
    EXPECT_OK(loaded);
    if (loaded.ok())
      for (const Message& m : *loaded) out.push_back(m.id);
    return out;
  };
  auto sent = [](const Message& m) { return Completion{m.id, MessageStatus::kSent, 1, 1, 0, 1, ""}; };
  // The second waits out a 429 while the ones after it are sent, over two batches.
  ASSERT_OK(Await(store_->Complete(
      {sent(q[0]), Completion{q[1].id, MessageStatus::kQueued, 1, 0, kNowMs + 60'000, 0, "429"}})));
  ASSERT_OK(Await(store_->Complete({sent(q[2]), sent(q[3]), sent(q[4])})));
  EXPECT_EQ(ids(0), (std::vector<int64_t>{q[1].id, q[5].id, q[6].id, q[7].id}));
  EXPECT_EQ(ids(q[5].id), (std::vector<int64_t>{q[6].id, q[7].id}));
  ASSERT_OK(Await(store_->Complete({sent(q[1]), sent(q[6])})));
  EXPECT_EQ(ids(0), (std::vector<int64_t>{q[5].id, q[7].id}));
  // Cancelling finds the rest the same way.
  auto cancelled = Await(store_->CancelBroadcast(b.id)).value();
  EXPECT_EQ(cancelled.sent, 6);
  EXPECT_EQ(cancelled.cancelled, 2);
  EXPECT_TRUE(ids(0).empty());
  EXPECT_EQ(Await(store_->GetMessage(q[7].id))->status, MessageStatus::kCancelled);
}

TEST_P(BroadcastTest, ANewerFastBroadcastIsFilledBeforeAnOlderOneThatHasPlentyWaiting) {
  // An 8-hour campaign must not hold back an urgent broadcast until the
  // campaign is fully materialized.
  constexpr int kFirst = SqliteStore::kFirstChunk;
  constexpr int n = kFirst + 50;
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const Binding binding{"bot", "u" + std::to_string(i), i, UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  auto campaign = Await(store_->CreateBroadcast(ToAll("bot", 8 * 3600), kNowMs)).value();
  auto urgent = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  std::vector<Message> queued = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 30000)).value();
  std::vector<Completion> sent;
  for (const Message& m : queued) {
    if (m.broadcast_id == urgent.id && sent.size() < kFirst - 10)
      sent.push_back({m.id, MessageStatus::kSent, 1, 1, 0, 1, ""});
  }
  ASSERT_OK(Await(store_->Complete(sent)));  // the urgent one has 10 left, the campaign kFirst waiting
  ASSERT_EQ(*Await(store_->FillBroadcasts("bot", 30)), 30);
  auto count = [&](int64_t broadcast) {
    int64_t c = 0;
    std::vector<Message> now_queued =
        Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 30000)).value();
    for (const Message& m : now_queued) c += m.broadcast_id == broadcast;
    return c;
  };
  EXPECT_EQ(count(urgent.id), 10 + 30);
  EXPECT_EQ(count(campaign.id), kFirst);
  EXPECT_EQ(Await(store_->GetBroadcast(urgent.id))->pending, n - (kFirst - 10));
}

TEST_P(BroadcastTest, CancellingWhileFillingCancelsTheUnfilledToo) {
  constexpr int n = SqliteStore::kFirstChunk + 10;
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const Binding binding{"bot", "u" + std::to_string(i), i, UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs));
  ASSERT_OK(b);
  auto c = Await(store_->CancelBroadcast(b->id));
  ASSERT_OK(c);
  EXPECT_EQ(c->status, "cancelled");
  EXPECT_EQ(c->cancelled, n);
  EXPECT_EQ(c->pending, 0);
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 100)), 0) << "a cancelled broadcast is not filled further";
}

TEST_P(BroadcastTest, NoSpreadMeansEverythingIsDueNow) {
  // Past the first chunk, bound out of chat order: the later chunk and a
  // list are due now too, each in chat order.
  constexpr int n = SqliteStore::kFirstChunk + 3;
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = n; i >= 1; --i) {
      const Binding binding{"bot", "u" + std::to_string(i), i, UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  auto all = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs));
  ASSERT_OK(all);
  auto first = Await(store_->LoadBroadcastQueued("bot", all->id, 0, kNowMs, 20000));
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), size_t{SqliteStore::kFirstChunk});
  ASSERT_OK(Await(store_->CancelBroadcast(all->id)));  // the fill below is the last broadcast's
  NewBroadcast listed;
  listed.bot = "bot";
  listed.users = {"u3", "u1", "u2"};
  listed.text = "hi";
  listed.options_json = "{}";
  auto list = Await(store_->CreateBroadcast(listed, kNowMs));
  ASSERT_OK(list);
  auto queued = Await(store_->LoadBroadcastQueued("bot", list->id, 0, kNowMs, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*queued)[i].chat_id, i + 1);
    EXPECT_EQ((*queued)[i].not_before_ms, kNowMs);
  }
  for (int i = 0; i < static_cast<int>(SqliteStore::kFirstChunk); ++i) {
    ASSERT_EQ((*first)[i].chat_id, i + 1);
    ASSERT_EQ((*first)[i].not_before_ms, kNowMs) << i;
  }

  auto chunked = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto head = Await(store_->LoadBroadcastQueued("bot", chunked.id, 0, kNowMs, 20000)).value();
  std::vector<Completion> sent;
  for (const Message& m : head) sent.push_back({m.id, MessageStatus::kSent, 1, 1, 0, 1, ""});
  ASSERT_OK(Await(store_->Complete(sent)));
  EXPECT_EQ(*Await(store_->FillBroadcasts("bot", 10)), 3);
  auto rest = Await(store_->LoadBroadcastQueued("bot", chunked.id, 0, kNowMs, 10));
  ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*rest)[i].chat_id, SqliteStore::kFirstChunk + i + 1);
    EXPECT_EQ((*rest)[i].not_before_ms, kNowMs);
  }
}

TEST_P(BroadcastTest, ToAUserListSkipsUnknownAndBlockedUsers) {
  MustBind("bot", "alice", 300);
  MustBind("bot", "bob", 100);
  MustBind("bot", "carol", 200);
  MustBind("bot", "dave", 400);
  ASSERT_OK(Await(store_->SetChatStatus("bot", 200, UserStatus::kBlocked)));
  NewBroadcast nb;
  nb.bot = "bot";
  nb.users = {"alice", "bob", "carol", "ghost", "alice"};  // duplicate counts once
  nb.text = "hi";
  nb.options_json = "{}";
  nb.spread_seconds = 60;
  auto b = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(b);
  EXPECT_EQ(b->total, 2);
  EXPECT_EQ(b->skipped, 2);  // carol (blocked) and ghost
  // Named, in the order asked, each once (issue 14).
  const std::vector<SkippedUser> want = {{"carol", "blocked"}, {"ghost", "not_linked"}};
  EXPECT_EQ(b->skipped_users, want);
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->skipped_users, want);
  auto queued = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 100)).value();
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].user, "bob");
  EXPECT_EQ(queued[0].not_before_ms, kNowMs);
  EXPECT_EQ(queued[1].user, "alice");
  EXPECT_EQ(queued[1].not_before_ms, kNowMs + 30'000);
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->skipped, 2);

  // The scratch list does not leak into the next broadcast.
  nb.users = {"dave"};
  auto second = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(second);
  EXPECT_EQ(second->total, 1);
  EXPECT_EQ(second->skipped, 0);
  EXPECT_TRUE(second->skipped_users.empty());
}

TEST_P(BroadcastTest, WithNobodyToReachIsDoneAtOnce) {
  NewBroadcast nb;
  nb.bot = "bot";
  nb.users = {"ghost"};
  auto b = Await(store_->CreateBroadcast(nb, kNowMs));
  ASSERT_OK(b);
  EXPECT_EQ(b->total, 0);
  EXPECT_EQ(b->skipped, 1);
  EXPECT_EQ(b->status, "done");
  EXPECT_EQ(Await(store_->GetBroadcast(b->id))->status, "done");
  nb.users.clear();
  EXPECT_EQ(Await(store_->CreateBroadcast(nb, kNowMs)).status().code(), Code::kInvalidArgument);
}

TEST_P(BroadcastTest, GetBroadcastCountsByStatus) {
  for (int i = 1; i <= 4; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_OK(Await(store_->Complete({Completion{q[0].id, MessageStatus::kSent, 1, 1, 0, 1, ""},
                                    Completion{q[1].id, MessageStatus::kFailed, 1, 0, 0, 0, "403"}})));
  auto got = Await(store_->GetBroadcast(b.id));
  ASSERT_OK(got);
  EXPECT_EQ(got->total, 4);
  EXPECT_EQ(got->sent, 1);
  EXPECT_EQ(got->failed, 1);
  EXPECT_EQ(got->pending, 2);
  EXPECT_EQ(got->status, "running");
  ASSERT_OK(Await(store_->Complete({Completion{q[2].id, MessageStatus::kSent, 1, 1, 0, 2, ""},
                                    Completion{q[3].id, MessageStatus::kSent, 1, 1, 0, 3, ""}})));
  got = Await(store_->GetBroadcast(b.id));
  EXPECT_EQ(got->sent, 3);
  EXPECT_EQ(got->pending, 0);
  EXPECT_EQ(got->status, "done");
  EXPECT_TRUE(Await(store_->GetBroadcast(b.id + 100)).status().IsNotFound());
}

TEST_P(BroadcastTest, PendingMessagesAddsQueuedOneToOneAndEveryRunningBroadcast) {
  constexpr int n = SqliteStore::kFirstChunk + 50;  // "all": 50 targets not materialized yet
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= n; ++i) {
      const Binding binding{"bot", "u" + std::to_string(i), i, UserStatus::kActive, 0};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  EXPECT_EQ(*Await(store_->PendingMessages("bot")), 0);
  const int64_t direct = MustEnqueue(Direct("bot", 1, "hi"));
  MustEnqueue(Direct("bot", 2, "hi"));
  MustEnqueue(Direct("other", 2, "another bot's"));
  auto all = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  NewBroadcast two = ToAll("bot", 0);
  two.all = false;
  two.users = {"u1", "u2"};
  auto listed = Await(store_->CreateBroadcast(two, kNowMs)).value();
  EXPECT_EQ(*Await(store_->PendingMessages("bot")), 2 + n + 2);

  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 5)).value();
  ASSERT_OK(Await(store_->Complete({Completion{direct, MessageStatus::kSent, 1, 1, 0, 1, ""},
                                    Completion{q[0].id, MessageStatus::kSent, 1, 1, 0, 2, ""},
                                    Completion{q[1].id, MessageStatus::kFailed, 1, 0, 0, 0, "403"}})));
  EXPECT_EQ(*Await(store_->PendingMessages("bot")), 1 + (n - 2) + 2);
  ASSERT_OK(Await(store_->CancelBroadcast(listed.id)));
  ASSERT_OK(Await(store_->CancelBroadcast(all.id)));
  EXPECT_EQ(*Await(store_->PendingMessages("bot")), 1)
      << "cancelled broadcasts, unfilled targets too, are not pending";
  EXPECT_EQ(*Await(store_->PendingMessages("other")), 1);
}

TEST_P(BroadcastTest, CancelCancelsOnlyWhatIsQueued) {
  for (int i = 1; i <= 5; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 3600), kNowMs)).value();
  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_OK(Await(store_->Complete({Completion{q[0].id, MessageStatus::kSent, 1, 1, 0, 1, ""}})));
  auto cancelled = Await(store_->CancelBroadcast(b.id));
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->total, 5);
  EXPECT_EQ(cancelled->sent, 1);
  EXPECT_EQ(cancelled->cancelled, 4);
  EXPECT_EQ(cancelled->pending, 0);
  EXPECT_TRUE(Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10))->empty());
  EXPECT_EQ(Await(store_->GetMessage(q[4].id))->status, MessageStatus::kCancelled);
  // An in-flight message that was delivered meanwhile still counts as sent,
  // but a retry does not revive it.
  ASSERT_OK(Await(store_->Complete({Completion{q[1].id, MessageStatus::kSent, 1, 1, 0, 2, ""},
                                    Completion{q[2].id, MessageStatus::kQueued, 1, 0, 0, 0, "429"}})));
  auto after = Await(store_->CancelBroadcast(b.id)).value();
  EXPECT_EQ(after.sent, 2);
  EXPECT_EQ(after.cancelled, 3);
  EXPECT_EQ(after.status, "cancelled");
  EXPECT_TRUE(Await(store_->CancelBroadcast(b.id + 100)).status().IsNotFound());
}

TEST_P(BroadcastTest, CountsFollowEveryWayAMessageEnds) {
  // Counts are kept, not recounted: each status change must move them.
  for (int i = 1; i <= 6; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_EQ(q.size(), 6u);
  // Chat 2's message fails (its user blocked the bot)...
  ASSERT_OK(Await(store_->Complete({Completion{q[1].id, MessageStatus::kFailed, 1, 0, 0, 0, "blocked"}})));
  auto got = Await(store_->GetBroadcast(b.id)).value();
  EXPECT_EQ(got.failed, 1);
  EXPECT_EQ(got.pending, 5);
  // ...though Telegram did deliver it (a send before a restart answered
  // after all): the later final outcome wins.
  ASSERT_OK(Await(store_->Complete({Completion{q[1].id, MessageStatus::kSent, 1, 1, 0, 9, ""}})));
  // A retry, a repeated final outcome and an unknown id move nothing.
  ASSERT_OK(Await(store_->Complete({Completion{q.back().id + 1000, MessageStatus::kSent, 1, 1, 0, 1, ""},
                                    Completion{q[0].id, MessageStatus::kQueued, 1, 0, 5, 0, "429"},
                                    Completion{q[1].id, MessageStatus::kSent, 1, 1, 0, 9, ""}})));
  EXPECT_EQ(Await(store_->GetMessage(q[0].id))->not_before_ms, 5);  // the retry after the unknown id landed
  got = Await(store_->GetBroadcast(b.id)).value();
  EXPECT_EQ(got.sent, 1);
  EXPECT_EQ(got.failed, 0);
  EXPECT_EQ(got.pending, 5);
  ASSERT_OK(Await(store_->Complete({Completion{q[2].id, MessageStatus::kFailed, 1, 0, 0, 0, "400"},
                                    Completion{q[3].id, MessageStatus::kSent, 1, 1, 0, 10, ""}})));
  got = Await(store_->CancelBroadcast(b.id)).value();
  EXPECT_EQ(got.sent, 2);
  EXPECT_EQ(got.failed, 1);
  EXPECT_EQ(got.cancelled, 3);
  EXPECT_EQ(got.pending, 0);
  // One-to-one messages to the same chats count for no broadcast.
  NewMessage hi = Direct("bot", 5, "hi");
  hi.user = "u5";
  auto direct = Await(store_->Enqueue(hi));
  ASSERT_OK(direct);
  ASSERT_OK(Await(store_->Complete({Completion{direct->id, MessageStatus::kSent, 1, 1, 0, 11, ""}})));
  EXPECT_EQ(Await(store_->GetBroadcast(b.id))->sent, 2);
}

// Completion::broadcast_id is a hint: right, it saves a read; wrong or
// missing, the counts still move for the message's own broadcast.
TEST_P(BroadcastTest, ACompletionsBroadcastHintNeverMovesTheWrongCounts) {
  for (int i = 1; i <= 3; ++i) MustBind("bot", "u" + std::to_string(i), i);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_EQ(q.size(), 3u);
  auto sent = [](int64_t id, int64_t telegram_id, int64_t hint) {
    Completion c{id, MessageStatus::kSent, 1, 1, 0, telegram_id, ""};
    c.broadcast_id = hint;
    return c;
  };
  ASSERT_OK(Await(store_->Complete({sent(q[0].id, 20, b.id), sent(q[1].id, 21, b.id + 7)})));
  auto got = Await(store_->GetBroadcast(b.id)).value();
  EXPECT_EQ(got.sent, 2);
  EXPECT_EQ(got.pending, 1);
  EXPECT_EQ(Await(store_->GetMessage(q[0].id))->telegram_message_id, 20);
  EXPECT_EQ(Await(store_->GetMessage(q[1].id))->telegram_message_id, 21);
  // No longer queued (failed meanwhile) though rightly hinted: sent wins.
  ASSERT_OK(Await(store_->Complete({Completion{q[2].id, MessageStatus::kFailed, 1, 0, 0, 0, "blocked"}})));
  ASSERT_OK(Await(store_->Complete({sent(q[2].id, 22, b.id)})));
  got = Await(store_->GetBroadcast(b.id)).value();
  EXPECT_EQ(got.sent, 3);
  EXPECT_EQ(got.failed, 0);
  EXPECT_EQ(got.pending, 0);
  // A one-to-one message hinted as the broadcast's moves none of its counts.
  NewMessage hi = Direct("bot", 1, "hi");
  hi.user = "u1";
  auto direct = Await(store_->Enqueue(hi));
  ASSERT_OK(direct);
  ASSERT_OK(Await(store_->Complete({sent(direct->id, 23, b.id)})));
  EXPECT_EQ(Await(store_->GetMessage(direct->id))->status, MessageStatus::kSent);
  got = Await(store_->GetBroadcast(b.id)).value();
  EXPECT_EQ(got.sent, 3);
}

TEST_P(BroadcastTest, CancellingAFinishedBroadcastLeavesItDone) {
  MustBind("bot", "u1", 1);
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 0), kNowMs)).value();
  auto q = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 10)).value();
  ASSERT_OK(Await(store_->Complete({Completion{q[0].id, MessageStatus::kSent, 1, 1, 0, 1, ""}})));
  EXPECT_EQ(Await(store_->CancelBroadcast(b.id))->status, "done");
}

// Timing sanity check (printed, not asserted). TGATE_STORE_BENCH_BINDINGS
// overrides the size, e.g. 1000000.
TEST_P(BroadcastTest, TimingOfABroadcastToManyBindings) {
  // 200 000 binds one round trip each: minutes on PostgreSQL, for a timing
  // of SQLite's io-thread cost.
  if (GetParam() == testing::kPostgres) GTEST_SKIP() << "SQLite's timing";
  int64_t n = 200'000;
  if (const char* env = std::getenv("TGATE_STORE_BENCH_BINDINGS")) n = std::atoll(env);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(Await(store_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    for (int64_t i = 0; i < n; ++i) {
      const Binding binding{"bot", "user" + std::to_string(i), 1'000'000 + (i * 7919) % n,
                            UserStatus::kActive, 1};
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  })));
  auto t1 = std::chrono::steady_clock::now();
  auto b = Await(store_->CreateBroadcast(ToAll("bot", 28'800), kNowMs));
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_OK(b);
  EXPECT_EQ(b->total, n);
  auto got = Await(store_->GetBroadcast(b->id));
  auto t3 = std::chrono::steady_clock::now();
  ASSERT_OK(got);
  EXPECT_EQ(got->pending, n);
  auto first = Await(store_->LoadQueued("bot", Priority::kBroadcast, 0, 500));
  auto t4 = std::chrono::steady_clock::now();
  ASSERT_OK(first);
  EXPECT_EQ(first->size(), 500u);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf(
      "[ timing ] %s, %lld bindings: Bind all %lld ms, CreateBroadcast %lld ms, "
      "GetBroadcast %lld ms, LoadQueued(500) %lld ms\n",
      testing::BackendName({GetParam(), 0}).c_str(), static_cast<long long>(n),
      static_cast<long long>(ms(t1 - t0)), static_cast<long long>(ms(t2 - t1)),
      static_cast<long long>(ms(t3 - t2)), static_cast<long long>(ms(t4 - t3)));
}

INSTANTIATE_TEST_SUITE_P(Backends, BroadcastTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
