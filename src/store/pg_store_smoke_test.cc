// Every role of the store once on PostgreSQL: a smoke test of the SQL (the
// store suite, store_*_test.cc, covers the semantics on both backends).
// Needs TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/pg_store.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::PgStoreTest;

TEST_F(PgStoreTest, RolesSmoke) {
  // Link tokens: single use.
  ASSERT_OK(Run(store_->PutLinkToken(LinkToken{"t1", "bot", "alice", 500})));
  auto taken = Run(store_->TakeLinkToken("t1"));
  ASSERT_OK(taken);
  EXPECT_EQ(taken->user, "alice");
  EXPECT_TRUE(Run(store_->TakeLinkToken("t1")).status().IsNotFound());

  // Bindings, counts, chat moves.
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "alice", -10, UserStatus::kActive, 1})));
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "bob", 20, UserStatus::kActive, 1})));
  ASSERT_OK(Run(store_->SetChatStatus("bot", 20, UserStatus::kBlocked)));
  auto active = Run(store_->CountBindings("bot", UserStatus::kActive));
  ASSERT_OK(active);
  EXPECT_EQ(*active, 1);
  auto blocked = Run(store_->CountBindings("bot", UserStatus::kBlocked));
  ASSERT_OK(blocked);
  EXPECT_EQ(*blocked, 1);
  ASSERT_OK(Run(store_->MoveChat("bot", -10, -11)));
  auto moved = Run(store_->GetBinding("bot", "alice"));
  ASSERT_OK(moved);
  EXPECT_EQ(moved->chat_id, -11);
  auto to_old = Run(store_->Enqueue(Direct("bot", -10, "follows the move")));
  ASSERT_OK(to_old);
  auto m = Run(store_->GetMessage(to_old->id));
  ASSERT_OK(m);
  EXPECT_EQ(m->chat_id, -11);

  // Queue load, outcomes, group sends, a message to a blocked chat.
  auto loaded = Run(store_->LoadQueued("bot", Priority::kDirect, 0, 10));
  ASSERT_OK(loaded);
  ASSERT_EQ(loaded->size(), 1u);
  ASSERT_OK(Run(store_->Complete({Completion{to_old->id, MessageStatus::kSent, 1, 2, 0, 42, ""}})));
  auto groups = Run(store_->RecentGroupSends("bot", 0));
  ASSERT_OK(groups);
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].parts, 2);
  ASSERT_OK(Run(store_->Bind(Binding{"bot", "cy", 21, UserStatus::kActive, 1})));
  NewMessage to_cy = Direct("bot", 0, "to cy");
  to_cy.user = "cy";
  auto q = Run(store_->Enqueue(to_cy));
  ASSERT_OK(q);
  ASSERT_OK(Run(store_->SetChatStatus("bot", 21, UserStatus::kBlocked)));
  auto to_blocked = Run(store_->GetMessage(q->id));
  ASSERT_OK(to_blocked);
  EXPECT_TRUE(to_blocked->chat_blocked);
  auto last = Run(store_->LastMessageId());
  ASSERT_OK(last);
  EXPECT_EQ(*last, q->id);

  // Unlink raises its event in the same transaction.
  auto unlinked = Run(store_->Unlink(
      "bot", "bob", [](const Binding& b) { return "{\"user\":\"" + b.user + "\"}"; }, 5000));
  ASSERT_OK(unlinked);
  EXPECT_EQ(unlinked->chat_id, 20);
  auto events = Run(store_->DueEvents(5000, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, "{\"user\":\"bob\"}");
  ASSERT_OK(Run(store_->EventRetry((*events)[0].id, 1, 9000)));
  auto next = Run(store_->NextEventDue());
  ASSERT_OK(next);
  EXPECT_EQ(*next, 9000);
  ASSERT_OK(Run(store_->EventsDelivered({(*events)[0].id})));

  // Updates: deduplicated, set aside, max id.
  auto fresh = Run(store_->InsertUpdate(Update{"bot", 7, "{}"}));
  ASSERT_OK(fresh);
  EXPECT_TRUE(*fresh);
  auto dup = Run(store_->InsertUpdate(Update{"bot", 7, "{}"}));
  ASSERT_OK(dup);
  EXPECT_FALSE(*dup);
  ASSERT_OK(Run(store_->InsertUpdate(Update{"bot", 8, "{}"})));
  ASSERT_OK(Run(store_->SetUpdateAside("bot", 7, "bad")));
  auto pending = Run(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].update_id, 8);
  auto aside = Run(store_->CountSetAsideUpdates("bot"));
  ASSERT_OK(aside);
  EXPECT_EQ(*aside, 1);
  ASSERT_OK(Run(store_->MarkUpdateProcessed("bot", 8)));
  auto max_id = Run(store_->MaxUpdateId("bot"));
  ASSERT_OK(max_id);
  EXPECT_EQ(*max_id, 8);
}

TEST_F(PgStoreTest, BroadcastsSmoke) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(Run(store_->Bind(Binding{"bot", "u" + std::to_string(i), 100 + i, UserStatus::kActive, 1})));
  }
  NewBroadcast list;
  list.bot = "bot";
  list.users = {"u1", "u2", "u2", "nobody"};
  list.text = "hi";
  list.options_json = "{}";
  list.spread_seconds = 10;
  auto made = Run(store_->CreateBroadcast(list, 1'000'000));
  ASSERT_OK(made);
  EXPECT_EQ(made->total, 2);
  EXPECT_EQ(made->skipped, 1);
  auto queued = Run(store_->LoadBroadcastQueued("bot", made->id, 0, INT64_MAX, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ((*queued)[0].text, "hi");
  EXPECT_EQ((*queued)[0].not_before_ms, 1'000'000);
  EXPECT_EQ((*queued)[1].not_before_ms, 1'005'000);
  // Only the first is due by then.
  auto due = Run(store_->LoadBroadcastQueued("bot", made->id, 0, 1'000'001, 10));
  ASSERT_OK(due);
  EXPECT_EQ(due->size(), 1u);

  ASSERT_OK(Run(store_->Complete({Completion{(*queued)[0].id, MessageStatus::kSent, 1, 1, 0, 1, ""}})));
  auto cancelled = Run(store_->CancelBroadcast(made->id));
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->sent, 1);
  EXPECT_EQ(cancelled->cancelled, 1);

  // To "all", in chunks.
  NewBroadcast all;
  all.bot = "bot";
  all.all = true;
  all.text = "all";
  all.options_json = "{}";
  all.idempotency_key = "b1";
  auto everyone = Run(store_->CreateBroadcast(all, 2'000'000));
  ASSERT_OK(everyone);
  EXPECT_EQ(everyone->total, 5);
  auto again = Run(store_->CreateBroadcast(all, 2'000'000));
  ASSERT_OK(again);
  EXPECT_EQ(again->id, everyone->id);
  auto pending = Run(store_->PendingMessages("bot"));
  ASSERT_OK(pending);
  EXPECT_EQ(*pending, 5);
  auto active = Run(store_->ActiveBroadcasts("bot"));
  ASSERT_OK(active);
  EXPECT_EQ(*active, std::vector<int64_t>{everyone->id});
  auto filled = Run(store_->FillBroadcasts("bot", 10));
  ASSERT_OK(filled);
  EXPECT_EQ(*filled, 0);  // the first chunk took them all

  // Retention: finished messages, then their broadcast.
  clock_.Advance(std::chrono::hours(1));
  const int64_t later = clock_.UnixSeconds() + 1;
  auto pruned = Run(store_->PruneMessages(later, 100));
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->deleted, 2);  // the cancelled list broadcast's
  EXPECT_TRUE(pruned->done);
  auto gone = Run(store_->PruneBroadcasts(later, 100));
  ASSERT_OK(gone);
  EXPECT_EQ(gone->deleted, 1);
  EXPECT_TRUE(Run(store_->GetBroadcast(made->id)).status().IsNotFound());
  auto tokens = Run(store_->PruneLinkTokens(later));
  ASSERT_OK(tokens);
}

}  // namespace
}  // namespace tgate::store
