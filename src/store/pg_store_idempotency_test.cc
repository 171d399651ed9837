// Idempotency on PostgreSQL: the unique index decides between two stores
// (two instances) enqueueing one key at once, and a key reused with another
// body is refused. Needs TGATE_TEST_PG.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store.h"
#include "store/pg_store_fixture_test_util.h"

namespace tgate::store {
namespace {

using testing::PgStoreTest;

TEST_F(PgStoreTest, ConcurrentEnqueuesWithOneKeyMakeOneMessage) {
  // Two stores (as two instances) and each's pool: many pairs of requests
  // with one key each, all in flight at once.
  auto other = NewStore(2);
  constexpr int kKeys = 8;
  std::vector<std::optional<Result<Enqueued>>> results(2 * kKeys);
  std::vector<NewMessage> messages;
  for (int k = 0; k < kKeys; ++k)
    messages.push_back(Direct("bot", 100 + k, "hello", "key-" + std::to_string(k)));
  for (int k = 0; k < kKeys; ++k) {
    testing::SpawnInto(io_, store_->Enqueue(messages[k]), &results[2 * k]);
    testing::SpawnInto(io_, other->Enqueue(messages[k]), &results[2 * k + 1]);
  }
  testing::RunUntilSet(io_, results);
  for (int k = 0; k < kKeys; ++k) {
    const auto& a = *results[2 * k];
    const auto& b = *results[2 * k + 1];
    ASSERT_OK(a);
    ASSERT_OK(b);
    EXPECT_EQ(a->id, b->id);
    EXPECT_NE(a->existed, b->existed) << "exactly one of the two stored it";
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM messages"), kKeys);
}

TEST_F(PgStoreTest, ReusedKeyWithAnotherBodyIsRefused) {
  NewMessage m = Direct("bot", 5, "a", "k");
  m.idempotency_fingerprint = "f1";
  auto first = Run(store_->Enqueue(m));
  ASSERT_OK(first);
  m.idempotency_fingerprint = "f2";
  auto second = Run(store_->Enqueue(m));
  EXPECT_EQ(second.status().code(), Code::kUnprocessable);
  m.idempotency_fingerprint = "f1";
  auto retry = Run(store_->Enqueue(m));
  ASSERT_OK(retry);
  EXPECT_TRUE(retry->existed);
  EXPECT_EQ(retry->id, first->id);
}

TEST_F(PgStoreTest, EnqueueManyAnswersEachMessageInOneTransaction) {
  NewMessage keyed = Direct("bot", 5, "a", "k");
  keyed.idempotency_fingerprint = "f1";
  NewMessage conflict = keyed;
  conflict.idempotency_fingerprint = "f2";
  std::vector<NewMessage> batch{Direct("bot", 4, "plain"), keyed, keyed, conflict, Direct("", 1, "no bot"),
                                Direct("bot", 6, "last")};
  auto results = Run(store_->EnqueueMany(batch));
  ASSERT_OK(results);
  ASSERT_EQ(results->size(), batch.size());
  auto& r = *results;
  ASSERT_OK(r[0]);
  ASSERT_OK(r[1]);
  EXPECT_FALSE(r[1]->existed);
  ASSERT_OK(r[2]);
  EXPECT_TRUE(r[2]->existed);
  EXPECT_EQ(r[2]->id, r[1]->id);
  EXPECT_EQ(r[3].status().code(), Code::kUnprocessable);
  EXPECT_EQ(r[4].status().code(), Code::kInvalidArgument);
  ASSERT_OK(r[5]);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM messages"), 3);
}

}  // namespace
}  // namespace tgate::store
