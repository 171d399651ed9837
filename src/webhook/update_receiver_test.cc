// UpdateReceiver over a real in-memory store behind a FaultyStore: an update
// that cannot be stored is not acknowledged (no 200), so Telegram sends it
// again; once stored, it is acknowledged and its processor woken.
#include "webhook/update_receiver.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <optional>

#include "core/testing.h"
#include "store/faulty_store_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::webhook {
namespace {

using store::testing::Await;

constexpr char kUpdate[] =
    R"({"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"hi"}})";

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    receiver_ = std::make_unique<UpdateReceiver>(
        *faulty_, metrics_,
        std::vector<HookBot>{{"default", "hookpath", "hooksecret", [this] { ++notified_; }}});
  }
  static http::Request Request(const std::string& body) {
    http::Request req{boost::beast::http::verb::post, "/hooks/telegram/hookpath", 11};
    req.set("X-Telegram-Bot-Api-Secret-Token", "hooksecret");
    req.body() = body;
    req.prepare_payload();
    return req;
  }
  http::Response Post(const std::string& body) {
    http::Request req = Request(body);
    return Await(receiver_->Handle(req, "hookpath"));
  }
  size_t Pending() { return Await(store_->PendingUpdates("default", 10))->size(); }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  Metrics metrics_;
  std::unique_ptr<UpdateReceiver> receiver_;
  int notified_ = 0;
};

TEST_F(ReceiverTest, AStoredUpdateIsAcknowledgedOnce) {
  EXPECT_EQ(Post(kUpdate).result_int(), 200);
  EXPECT_EQ(Post(kUpdate).result_int(), 200) << "a duplicate is acknowledged too";
  EXPECT_EQ(Pending(), 1u);
  EXPECT_EQ(notified_, 1);
}

std::string UpdateWithId(int64_t id) {
  return R"({"update_id":)" + std::to_string(id) +
         R"(,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"hi"}})";
}

// Group commit: webhook requests that arrive together are stored by one
// InsertUpdates (one transaction, one commit); a duplicate among them is
// still stored once, and each request gets its 200.
TEST_F(ReceiverTest, ConcurrentUpdatesShareOneTransactionAndDuplicatesStillDedupe) {
  ASSERT_EQ(Post(UpdateWithId(1)).result_int(), 200);  // stored before the batch
  const int commits_before = faulty_->commits();
  std::vector<int64_t> ids{1, 2, 3, 3, 4};
  std::vector<http::Request> requests;
  for (int64_t id : ids) requests.push_back(Request(UpdateWithId(id)));
  std::vector<std::optional<http::Response>> answers(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    asio::co_spawn(
        store::testing::TestIo(),
        [&, i]() -> Awaitable<void> { answers[i] = co_await receiver_->Handle(requests[i], "hookpath"); },
        asio::detached);
  }
  auto& io = store::testing::TestIo();
  io.restart();
  io.run();
  io.restart();
  for (auto& a : answers) {
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->result_int(), 200) << a->body();
  }
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 2) << "one for the first update, one for the five together";
  EXPECT_EQ(faulty_->commits() - commits_before, 1);
  EXPECT_EQ(Pending(), 4u) << "updates 1..4, each once";
  EXPECT_EQ(notified_, 4) << "once per new update: 1 before, then 2, 3 and 4";
}

TEST_F(ReceiverTest, AFailedBatchAcknowledgesNoneOfItsUpdates) {
  faulty_->FailNextCommits(Status::Unavailable("disk full"));
  std::vector<http::Request> requests{Request(UpdateWithId(10)), Request(UpdateWithId(11))};
  std::vector<std::optional<http::Response>> answers(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    asio::co_spawn(
        store::testing::TestIo(),
        [&, i]() -> Awaitable<void> { answers[i] = co_await receiver_->Handle(requests[i], "hookpath"); },
        asio::detached);
  }
  auto& io = store::testing::TestIo();
  io.restart();
  io.run();
  io.restart();
  for (auto& a : answers) {
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->result_int(), 503);
  }
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 1);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(notified_, 0);
}

TEST_F(ReceiverTest, AnUpdateWhoseCommitFailsIsNotAcknowledgedAndTelegramsRetryStoresIt) {
  faulty_->FailNextCommits(Status::Unavailable("sqlite step: database is locked"));
  http::Response first = Post(kUpdate);
  EXPECT_NE(first.result_int(), 200);
  EXPECT_EQ(first.result_int(), 503) << first.body();
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(notified_, 0) << "nothing to process yet";
  EXPECT_EQ(faulty_->commits(), 1);

  // Telegram sends the same update again.
  EXPECT_EQ(Post(kUpdate).result_int(), 200);
  EXPECT_EQ(Pending(), 1u);
  EXPECT_EQ(notified_, 1);
}

TEST_F(ReceiverTest, AnUpdateTheStoreCannotWriteForAnyReasonIsNotAcknowledged) {
  faulty_->FailNext("InsertUpdates", Status::Internal("disk I/O error"));
  EXPECT_NE(Post(kUpdate).result_int(), 200);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Post(kUpdate).result_int(), 200);
  EXPECT_EQ(Pending(), 1u);
}

// tgate_webhook_updates_total{bot,result}: every series from the start, then
// one increment per request by what became of it.
TEST_F(ReceiverTest, CountsTheIngestByResult) {
  auto count = [&](const std::string& result) {
    const std::string series = "tgate_webhook_updates_total{bot=\"default\",result=\"" + result + "\"} ";
    const std::string text = metrics_.Render();
    const size_t at = text.find(series);
    return at == std::string::npos
               ? std::string("missing")
               : text.substr(at + series.size(), text.find('\n', at) - at - series.size());
  };
  EXPECT_EQ(count("accepted"), "0");
  EXPECT_NE(metrics_.Render().find("# TYPE tgate_webhook_updates_total counter"), std::string::npos);
  Post(kUpdate);
  Post(kUpdate);
  Post("not json");
  http::Request wrong{boost::beast::http::verb::post, "/hooks/telegram/hookpath", 11};
  wrong.set("X-Telegram-Bot-Api-Secret-Token", "guess");
  EXPECT_EQ(Await(receiver_->Handle(wrong, "hookpath")).result_int(), 401);
  faulty_->FailNext("InsertUpdates", Status::Internal("disk I/O error"));
  Post(R"({"update_id":8})");
  EXPECT_EQ(count("accepted"), "1");
  EXPECT_EQ(count("duplicate"), "1");
  EXPECT_EQ(count("rejected"), "2");
  EXPECT_EQ(count("failed"), "1");
}

}  // namespace
}  // namespace tgate::webhook
