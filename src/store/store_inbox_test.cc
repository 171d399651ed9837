// Received updates (dedupe, pending, processed) and the events outbox.
// Pruning old updates is in sqlite_store_retention_test.cc.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

using testing::StoreTest;

class InboxTest : public StoreTest {};

TEST_P(InboxTest, InsertUpdateDropsDuplicatesPerBot) {
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"bot", 5, R"({"update_id":5})"})).value());
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 5, R"({"other":1})"})).value());
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"bot2", 5, "{}"})).value());
  auto pending = Await(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].bot, "bot");
  EXPECT_EQ((*pending)[0].update_id, 5);
  EXPECT_EQ((*pending)[0].payload, R"({"update_id":5})");  // the first copy wins
}

// An update processed on receipt is stored processed: never pending, and a
// copy of it received later (pending or not) is still a duplicate.
TEST_P(InboxTest, AnUpdateStoredProcessedIsNeverPendingAndStillDedupes) {
  Update processed{"bot", 1, R"({"update_id":1})"};
  processed.processed = true;
  EXPECT_TRUE(Await(store_->InsertUpdate(processed)).value());
  EXPECT_TRUE(Await(store_->PendingUpdates("bot", 10))->empty());
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 1, "{}"})).value());
  EXPECT_FALSE(Await(store_->InsertUpdate(processed)).value());
  EXPECT_TRUE(Await(store_->PendingUpdates("bot", 10))->empty());
  EXPECT_TRUE(Await(store_->SetUpdateAside("bot", 1, "why")).IsNotFound()) << "not pending";
  EXPECT_TRUE(Await(store_->InsertUpdate(Update{"bot", 2, "{}"})).value());
  EXPECT_EQ(Await(store_->PendingUpdates("bot", 10))->size(), 1u);
}

// A batch stored together (the webhook's updates processed on receipt):
// each as InsertUpdate would, in order, a copy received before or earlier
// in the batch a duplicate, payloads kept as given.
TEST_P(InboxTest, UpdatesStoredTogetherSayWhichWereNewInOrder) {
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 2, "{}"})).value());
  Update processed{"bot", 3, R"({"update_id":3})"};
  processed.processed = true;
  const std::string odd = R"({"text":"it's \"quoted\", {braces}, NULL, \\ and é"})";
  const std::vector<Update> batch = {Update{"bot", 1, R"({"update_id":1})"},
                                     Update{"bot", 2, R"({"again":1})"},
                                     processed,
                                     Update{"bot", 1, R"({"copy":1})"},
                                     Update{"bot2", 1, "{}"},
                                     Update{"bot", 4, odd}};
  auto inserted = Await(store_->InsertUpdates(batch));
  ASSERT_OK(inserted);
  EXPECT_EQ(*inserted, (std::vector<bool>{true, false, true, false, true, true}));
  auto pending = Await(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 3u) << "1, 2 and 4; 3 was stored processed";
  EXPECT_EQ((*pending)[0].payload, R"({"update_id":1})") << "the first copy wins";
  EXPECT_EQ((*pending)[1].payload, "{}") << "stored before the batch";
  EXPECT_EQ((*pending)[2].payload, odd);
  EXPECT_EQ(Await(store_->PendingUpdates("bot2", 10))->size(), 1u);
  EXPECT_FALSE(Await(store_->InsertUpdate(processed)).value()) << "stored by the batch";
  auto none = Await(store_->InsertUpdates({}));
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(InboxTest, ProcessedUpdatesLeavePendingButStillDedupe) {
  for (int64_t id : {12, 10, 11}) ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", id, "{}"})).value());
  auto pending = Await(store_->PendingUpdates("bot", 2));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].update_id, 10);
  EXPECT_EQ((*pending)[1].update_id, 11);
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 10)));
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 11)));
  pending = Await(store_->PendingUpdates("bot", 10));
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].update_id, 12);
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 10, "{}"})).value());
  EXPECT_TRUE(Await(store_->MarkUpdateProcessed("bot", 99)).IsNotFound());
  EXPECT_TRUE(Await(store_->MarkUpdateProcessed("bot2", 12)).IsNotFound());
}

TEST_P(InboxTest, SetAsideUpdatesLeavePendingAreCountedAndSurviveAReopen) {
  for (int64_t id : {1, 2, 3}) ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", id, "{}"})).value());
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot2", 2, "{}"})).value());
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("bot")).value(), 0);
  ASSERT_OK(Await(store_->SetUpdateAside("bot", 2, "chat has no integer id")));
  auto pending = Await(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].update_id, 1);
  EXPECT_EQ((*pending)[1].update_id, 3);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("bot")).value(), 1);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("bot2")).value(), 0);
  EXPECT_EQ(Await(store_->PendingUpdates("bot2", 10))->size(), 1u) << "per bot";
  // Set aside once: neither again nor after processing, nor an unknown update.
  EXPECT_TRUE(Await(store_->SetUpdateAside("bot", 2, "again")).IsNotFound());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 1)));
  EXPECT_TRUE(Await(store_->SetUpdateAside("bot", 1, "late")).IsNotFound());
  EXPECT_TRUE(Await(store_->SetUpdateAside("bot", 99, "unknown")).IsNotFound());
  EXPECT_FALSE(Await(store_->InsertUpdate(Update{"bot", 2, "{}"})).value()) << "still dedupes";
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 3);

  if (!GetParam()) return;  // the rest needs a file
  ASSERT_OK(Reopen());
  pending = Await(store_->PendingUpdates("bot", 10));
  ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].update_id, 3);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("bot")).value(), 1);
}

TEST_P(InboxTest, MaxUpdateIdIsPerBotAndZeroWhenNone) {
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 0);
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 100, "{}"})).value());
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot", 7, "{}"})).value());
  ASSERT_TRUE(Await(store_->InsertUpdate(Update{"bot2", 500, "{}"})).value());
  ASSERT_OK(Await(store_->MarkUpdateProcessed("bot", 100)));
  EXPECT_EQ(Await(store_->MaxUpdateId("bot")).value(), 100);
  EXPECT_EQ(Await(store_->MaxUpdateId("bot2")).value(), 500);
}

TEST_P(InboxTest, DueEventsAreOldestFirstAndOnlyWhenDue) {
  EXPECT_EQ(Await(store_->NextEventDue()).value(), 0);
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"a"})", 1000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"b"})", 2000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"c"})", 1500)));
  EXPECT_EQ(Await(store_->NextEventDue()).value(), 1000);
  EXPECT_TRUE(Await(store_->DueEvents(999, 10))->empty());
  auto due = Await(store_->DueEvents(1500, 10));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].payload, R"({"type":"a"})");
  EXPECT_EQ((*due)[0].attempts, 0);
  EXPECT_EQ((*due)[0].next_attempt_ms, 1000);
  EXPECT_EQ((*due)[1].payload, R"({"type":"c"})");
  EXPECT_LT((*due)[0].id, (*due)[1].id);
  EXPECT_EQ(Await(store_->DueEvents(5000, 2))->size(), 2u);
  EXPECT_EQ(Await(store_->DueEvents(5000, 10))->size(), 3u);
}

TEST_P(InboxTest, RetriedEventsWaitAndDeliveredOnesLeave) {
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"a"})", 1000)));
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"b"})", 1000)));
  auto due = Await(store_->DueEvents(1000, 10)).value();
  ASSERT_EQ(due.size(), 2u);
  ASSERT_OK(Await(store_->EventRetry(due[0].id, 1, 3000)));
  ASSERT_OK(Await(store_->EventsDelivered({due[1].id})));
  EXPECT_TRUE(Await(store_->DueEvents(2999, 10))->empty());
  EXPECT_EQ(Await(store_->NextEventDue()).value(), 3000);
  auto again = Await(store_->DueEvents(3000, 10));
  ASSERT_OK(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, due[0].id);
  EXPECT_EQ((*again)[0].attempts, 1);
  EXPECT_EQ((*again)[0].next_attempt_ms, 3000);
  ASSERT_OK(Await(store_->EventsDelivered({due[0].id})));
  EXPECT_EQ(Await(store_->NextEventDue()).value(), 0);
  // Gone already (retention may drop an event on its way): nothing to do.
  ASSERT_OK(Await(store_->EventsDelivered({due[0].id})));
  EXPECT_TRUE(Await(store_->EventRetry(due[0].id, 2, 1)).IsNotFound());
}

// Soonest due first, through the due index: the events waiting for a retry
// later are not passed on the way (a site down for a while leaves many).
TEST_P(InboxTest, DueEventsComeSoonestDueFirstThenInTheOrderTheyWereMade) {
  for (const char* type : {"a", "b", "c", "d"})
    ASSERT_OK(Await(store_->AddEvent(std::string(R"({"type":")") + type + R"("})", 1000)));
  auto made = Await(store_->DueEvents(1000, 10)).value();
  ASSERT_EQ(made.size(), 4u);
  ASSERT_OK(Await(store_->EventRetry(made[0].id, 3, 5000)));
  ASSERT_OK(Await(store_->EventRetry(made[1].id, 1, 3000)));
  const auto due = Await(store_->DueEvents(10000, 10)).value();
  std::vector<int64_t> ids;
  for (const store::Event& e : due) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{made[2].id, made[3].id, made[1].id, made[0].id}));
  auto first = Await(store_->DueEvents(4000, 3)).value();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].id, made[1].id);
  EXPECT_TRUE(Await(store_->DueEvents(999, 10))->empty());
}

TEST_P(InboxTest, DeliveredEventsLeaveTogetherAndTheOthersStay) {
  for (const char* type : {"a", "b", "c", "d"})
    ASSERT_OK(Await(store_->AddEvent(std::string(R"({"type":")") + type + R"("})", 1000)));
  auto due = Await(store_->DueEvents(1000, 10)).value();
  ASSERT_EQ(due.size(), 4u);
  // One id no event has (retention dropped it on its way) changes nothing.
  ASSERT_OK(Await(store_->EventsDelivered({due[0].id, due[2].id, due[3].id + 100})));
  auto left = Await(store_->DueEvents(1000, 10)).value();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, due[1].id);
  EXPECT_EQ(left[1].id, due[3].id);
  ASSERT_OK(Await(store_->EventsDelivered({})));
  EXPECT_EQ(Await(store_->DueEvents(1000, 10))->size(), 2u);
}

// An event about a chat names the site user linked to it as the event is
// added (a JSON string, whatever the user id holds), a user who blocked the
// bot too, and no user where none is linked; a link made later in the same
// transaction counts for the events added after it only.
TEST_P(InboxTest, AChatEventNamesTheUserLinkedToTheChatWhenItIsAdded) {
  const std::string odd_user = "we\"ird\\ \u00fcser\n";
  ASSERT_OK(Await(store_->Bind(Binding{"bot", odd_user, 5, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->Bind(Binding{"other", "not this one", 6, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->Bind(Binding{"bot", "gone quiet", 8, UserStatus::kActive, 1})));
  ASSERT_OK(Await(store_->SetChatStatus("bot", 8, UserStatus::kBlocked)));
  ASSERT_OK(Await(store_->AddChatEvent(R"({"n":1)", "bot", 5, "}", 1000)));
  ASSERT_OK(Await(store_->AddChatEvent(R"({"n":2)", "bot", 6, "}", 1000)));  // another bot's chat
  ASSERT_OK(Await(store_->AddChatEvent(R"({"n":5)", "bot", 8, "}", 1000)));  // blocked: still theirs
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddChatEvent(R"({"n":3)", "bot", 7, "}", 1000));
    const Binding later{"bot", "later", 7, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(later));
    co_return co_await tx.AddChatEvent(R"({"n":4)", "bot", 7, "}", 1000);
  })));
  auto due = Await(store_->DueEvents(1000, 10));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), 5u);
  std::vector<std::string> users;
  for (const Event& e : *due) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(e.payload, ec);
    ASSERT_FALSE(ec) << e.payload;
    const boost::json::value* user = v.as_object().if_contains("user");
    users.push_back(user ? std::string(user->as_string()) : "(none)");
  }
  EXPECT_EQ(users, (std::vector<std::string>{odd_user, "(none)", "gone quiet", "(none)", "later"}));
}

// Events added inside a transaction land with its commit, in the order they
// were added (SQLite holds them and writes up to 16 to an INSERT).
TEST_P(InboxTest, EventsAddedInATransactionLandWithItsCommitInOrder) {
  constexpr int kEvents = 40;
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    for (int i = 0; i < kEvents; ++i) {
      const std::string payload = R"({"n":)" + std::to_string(i) + "}";  // named: g++ 12 and co_await
      TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(payload, 1000 + i));
    }
    co_return Status::Ok();
  })));
  auto due = Await(store_->DueEvents(5000, 100));
  ASSERT_OK(due);
  ASSERT_EQ(due->size(), size_t{kEvents});
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ((*due)[i].payload, R"({"n":)" + std::to_string(i) + "}");
    EXPECT_EQ((*due)[i].next_attempt_ms, 1000 + i);
    if (i > 0) {
      EXPECT_LT((*due)[i - 1].id, (*due)[i].id);
    }
  }
}

// A level that rolls back takes its own events with it, and only those; a
// transaction that fails adds none.
TEST_P(InboxTest, ALevelThatRollsBackDropsItsEventsAndKeepsTheOnesAroundIt) {
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"e":"a"})", 1000));
    Status inner = co_await tx.RunInTransaction([&](Store& in) -> Awaitable<Status> {
      TGATE_CO_RETURN_IF_ERROR(co_await in.AddEvent(R"({"e":"b"})", 1000));
      TGATE_CO_RETURN_IF_ERROR(co_await in.RunInTransaction([&](Store& deepest) -> Awaitable<Status> {
        co_return co_await deepest.AddEvent(R"({"e":"c"})", 1000);
      }));
      co_return Status::Unavailable("the inner level fails");
    });
    EXPECT_TRUE(inner.IsUnavailable()) << inner.message();
    co_return co_await tx.AddEvent(R"({"e":"d"})", 1000);
  })));
  Status failed = Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"e":"x"})", 1000));
    co_return Status::Unavailable("the whole transaction fails");
  }));
  EXPECT_TRUE(failed.IsUnavailable()) << failed.message();
  ASSERT_OK(Await(store_->AddEvent(R"({"e":"f"})", 1000)));
  auto due = Await(store_->DueEvents(5000, 100));
  ASSERT_OK(due);
  std::vector<std::string> payloads;
  for (const Event& e : *due) payloads.push_back(e.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{R"({"e":"a"})", R"({"e":"d"})", R"({"e":"f"})"}));
}

// Read inside the transaction that added them, the events are there.
TEST_P(InboxTest, AReadOfEventsInsideTheTransactionSeesTheOnesItAdded) {
  ASSERT_OK(Await(store_->RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"e":"a"})", 1000));
    TGATE_CO_ASSIGN_OR_RETURN(auto backlog, co_await tx.Backlog());
    EXPECT_EQ(backlog.pending, 1);
    TGATE_CO_ASSIGN_OR_RETURN(auto due, co_await tx.DueEvents(5000, 10));
    EXPECT_EQ(due.size(), 1u);
    TGATE_CO_RETURN_IF_ERROR(co_await tx.AddEvent(R"({"e":"b"})", 1000));
    co_return Status::Ok();
  })));
  EXPECT_EQ(Await(store_->DueEvents(5000, 10))->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, InboxTest, testing::AllBackends(), testing::BackendName);

}  // namespace
}  // namespace tgate::store
