// FaultyStore itself: a scripted method fault, and commit faults that fail a
// write on its own or a whole transaction, leaving the real store as it was.
#include <gtest/gtest.h>

#include "core/status_macros.h"
#include "core/testing.h"
#include "store/faulty_store_test_util.h"
#include "store/store_test_util.h"

namespace tgate::store::testing {
namespace {

class FaultyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open({":memory:"});
    ASSERT_OK(s);
    real_ = std::move(*s);
    faulty_ = std::make_unique<FaultyStore>(*real_);
  }
  static NewMessage Direct(int64_t chat) {
    return NewMessage{"bot", "", chat, "hi", "{}", "", Priority::kDirect};
  }
  size_t Queued() { return Await(real_->LoadQueued("bot", Priority::kDirect, 0, 100))->size(); }

  std::unique_ptr<Store> real_;
  std::unique_ptr<FaultyStore> faulty_;
};

TEST_F(FaultyStoreTest, FailNextFailsOnlyThatMethodThatManyTimes) {
  faulty_->FailNext("Enqueue", Status::Unavailable("locked"), 2);
  EXPECT_TRUE(Await(faulty_->AddEvent("{}", 1)).ok());
  EXPECT_TRUE(Await(faulty_->Enqueue(Direct(1))).status().IsUnavailable());
  EXPECT_TRUE(Await(faulty_->Enqueue(Direct(1))).status().IsUnavailable());
  EXPECT_OK(Await(faulty_->Enqueue(Direct(1))));
  EXPECT_EQ(Queued(), 1u);
  EXPECT_EQ(faulty_->calls("Enqueue"), 3);
}

TEST_F(FaultyStoreTest, AFailedCommitOfOneWriteWritesNothing) {
  faulty_->FailNextCommits(Status::Internal("disk I/O error"));
  EXPECT_EQ(Await(faulty_->Enqueue(Direct(1))).status().code(), Code::kInternal);
  EXPECT_EQ(Queued(), 0u);
  EXPECT_OK(Await(faulty_->Enqueue(Direct(1))));
  EXPECT_EQ(Queued(), 1u);
  EXPECT_EQ(faulty_->commits(), 2);
}

TEST_F(FaultyStoreTest, ReadsAreNotCommits) {
  faulty_->FailNextCommits(Status::Internal("disk I/O error"));
  EXPECT_OK(Await(faulty_->LoadQueued("bot", Priority::kDirect, 0, 10)));
  EXPECT_OK(Await(faulty_->NextEventDue()));
  EXPECT_TRUE(Await(faulty_->GetBinding("bot", "u")).status().IsNotFound());
  EXPECT_EQ(faulty_->commits(), 0);
  EXPECT_FALSE(Await(faulty_->AddEvent("{}", 1)).ok()) << "the fault waits for the next write";
  EXPECT_TRUE(Await(real_->DueEvents(INT64_MAX, 10))->empty());
}

TEST_F(FaultyStoreTest, AFailedCommitRollsBackTheWholeTransaction) {
  faulty_->FailNextCommits(Status::Internal("disk I/O error"));
  int ran = 0;
  Status s = Await(faulty_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    ++ran;
    TGATE_CO_RETURN_IF_ERROR((co_await tx.Enqueue(Direct(1))).status());
    const Binding binding{"bot", "u", 1, UserStatus::kActive, 1};
    TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    co_return co_await tx.AddEvent("{}", 1);
  }));
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(faulty_->commits(), 1) << "the writes inside commit once, at the end";
  EXPECT_EQ(Queued(), 0u);
  EXPECT_TRUE(Await(real_->GetBinding("bot", "u")).status().IsNotFound());
  EXPECT_TRUE(Await(real_->DueEvents(INT64_MAX, 10))->empty());
}

TEST_F(FaultyStoreTest, ATransactionThatOnlyReadsCommitsNothing) {
  faulty_->FailNextCommits(Status::Internal("disk I/O error"));
  EXPECT_OK(Await(faulty_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    co_return (co_await tx.LoadQueued("bot", Priority::kDirect, 0, 1)).status();
  })));
  EXPECT_EQ(faulty_->commits(), 0);
  EXPECT_FALSE(Await(faulty_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
                 co_return (co_await tx.Enqueue(Direct(1))).status();
               })).ok());
  EXPECT_EQ(Queued(), 0u);
}

TEST_F(FaultyStoreTest, FailsTheNextNCommitsThenWritesAgain) {
  faulty_->FailNextCommits(Status::Unavailable("locked"), 2);
  EXPECT_TRUE(Await(faulty_->AddEvent("{}", 1)).IsUnavailable());
  EXPECT_TRUE(Await(faulty_->RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
                co_return co_await tx.AddEvent("{}", 1);
              })).IsUnavailable());
  EXPECT_OK(Await(faulty_->RunInTransaction(
      [&](store::Store& tx) -> Awaitable<Status> { co_return co_await tx.AddEvent("{}", 1); })));
  EXPECT_EQ(Await(real_->DueEvents(INT64_MAX, 10))->size(), 1u);
  EXPECT_EQ(faulty_->commits(), 3);
}

TEST_F(FaultyStoreTest, StandsInForEachRole) {
  LinkStore& links = *faulty_;
  QueueStore& queue = *faulty_;
  OutboxStore& outbox = *faulty_;
  faulty_->FailNextCommits(Status::Unavailable("locked"));
  EXPECT_TRUE(Await(links.Bind(Binding{"bot", "u", 1, UserStatus::kActive, 1})).IsUnavailable());
  EXPECT_OK(Await(queue.Enqueue(Direct(1))));
  EXPECT_OK(Await(outbox.AddEvent("{}", 1)));
  EXPECT_EQ(faulty_->calls("Bind"), 1);
}

}  // namespace
}  // namespace tgate::store::testing
