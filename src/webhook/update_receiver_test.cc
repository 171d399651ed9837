// UpdateReceiver over a real in-memory store behind a FaultyStore: an update
// that cannot be stored is not acknowledged (no 200), so Telegram sends it
// again; once stored, it is acknowledged and its processor woken. Where the
// bot's processor runs here (ReceiptTest), updates are processed in the
// transaction that stores them, unless one of the bot's is pending before
// them (update_id order), and one that cannot be processed so is left
// pending for the processor's loop, with the bot's later ones.
#include "webhook/update_receiver.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <optional>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "link/linker.h"
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
        std::vector<HookBot>{{"default", "hookpath", "hooksecret", [this] { ++notified_; },
                              [this] { return owned_ ? processor_.get() : nullptr; }}});
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
  // Posts each body at once (concurrently): one batch. Their status codes.
  std::vector<int> PostTogether(const std::vector<std::string>& bodies) {
    std::vector<http::Request> requests;
    for (const std::string& b : bodies) requests.push_back(Request(b));
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
    std::vector<int> out;
    for (auto& a : answers) out.push_back(a ? a->result_int() : 0);
    return out;
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  Metrics metrics_;
  std::unique_ptr<UpdateReceiver> receiver_;
  int notified_ = 0;
  // ReceiptTest's: the bot's processor, when it runs here (owned_).
  std::unique_ptr<UpdateProcessor> processor_;
  bool owned_ = false;
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

// Group commit: webhook requests that arrive together are stored in one
// transaction (one commit); a duplicate among them is
// still stored once, and each request gets its 200.
TEST_F(ReceiverTest, ConcurrentUpdatesShareOneTransactionAndDuplicatesStillDedupe) {
  ASSERT_EQ(Post(UpdateWithId(1)).result_int(), 200);  // stored before the batch
  const int commits_before = faulty_->commits();
  EXPECT_EQ(
      PostTogether({UpdateWithId(1), UpdateWithId(2), UpdateWithId(3), UpdateWithId(3), UpdateWithId(4)}),
      (std::vector<int>{200, 200, 200, 200, 200}));
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 2) << "one for the first update, then one for the batch";
  EXPECT_EQ(faulty_->calls("InsertUpdate"), 0);
  EXPECT_EQ(faulty_->commits() - commits_before, 1);
  EXPECT_EQ(Pending(), 4u) << "updates 1..4, each once";
  EXPECT_EQ(notified_, 2) << "once per commit that stored new updates: 1 before, then 2, 3 and 4";
}

TEST_F(ReceiverTest, AFailedBatchAcknowledgesNoneOfItsUpdates) {
  faulty_->FailNextCommits(Status::Unavailable("disk full"));
  EXPECT_EQ(PostTogether({UpdateWithId(10), UpdateWithId(11)}), (std::vector<int>{503, 503}));
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 1) << "stored together, in one transaction";
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

// The bot's processor runs here: updates are processed on receipt.
class ReceiptTest : public ReceiverTest {
 protected:
  void SetUp() override {
    ReceiverTest::SetUp();
    linker_ = std::make_unique<link::Linker>(*faulty_, clock_);
    processor_ = std::make_unique<UpdateProcessor>(
        store::testing::TestIo().get_executor(), *faulty_, *linker_, clock_,
        ProcessorOptions{"default", "my_bot", "Welcome!", "Expired."},
        ProcessorWakeUps{[this] { ++replies_; }, [this] { ++events_woken_; }});
    owned_ = true;
  }
  std::vector<int64_t> EventUpdateIds() {
    std::vector<int64_t> out;
    auto due = Await(store_->DueEvents(INT64_MAX, 100));
    for (const auto& e : *due) {
      auto v = boost::json::parse(e.payload).as_object();
      out.push_back(v.contains("update") ? v["update"].at("update_id").as_int64() : -1);
    }
    return out;
  }

  // A batch the store fails (the fault set up before): none of its updates
  // is acknowledged, nothing of them or their effects stays, and Telegram's
  // retry processes them.
  void ExpectAFailedBatchLeavesNothingAndItsRetryTakes() {
    EXPECT_EQ(PostTogether({UpdateWithId(1), UpdateWithId(2)}), (std::vector<int>{503, 503}));
    EXPECT_EQ(Pending(), 0u);
    EXPECT_TRUE(EventUpdateIds().empty());
    EXPECT_EQ(events_woken_, 0);
    EXPECT_EQ(PostTogether({UpdateWithId(1), UpdateWithId(2)}), (std::vector<int>{200, 200}));
    EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2}));
  }

  FakeClock clock_;
  std::unique_ptr<link::Linker> linker_;
  int replies_ = 0;
  int events_woken_ = 0;
};

TEST_F(ReceiptTest, UpdatesAreProcessedInTheTransactionThatStoresThem) {
  EXPECT_EQ(PostTogether({UpdateWithId(1), UpdateWithId(2), UpdateWithId(2), UpdateWithId(3)}),
            (std::vector<int>{200, 200, 200, 200}));
  EXPECT_EQ(faulty_->commits(), 1) << "stored and processed together";
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 1) << "the four stored in one go";
  EXPECT_EQ(faulty_->calls("InsertUpdate"), 0);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2, 3})) << "each forwarded once";
  EXPECT_EQ(events_woken_, 1) << "the events sender, once for the commit";
  EXPECT_EQ(notified_, 0) << "nothing left for the processor's loop";
  EXPECT_EQ(replies_, 0);
  // Telegram's retry of an update processed on receipt: acknowledged, not
  // processed again.
  EXPECT_EQ(Post(UpdateWithId(2)).result_int(), 200);
  EXPECT_EQ(EventUpdateIds().size(), 3u);
  EXPECT_OK(Await(processor_->Drain()));
  EXPECT_EQ(EventUpdateIds().size(), 3u) << "the loop finds nothing to do";
}

TEST_F(ReceiptTest, AStartLinkIsRedeemedAndWelcomedOnReceipt) {
  auto token = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(token);
  const std::string start =
      R"({"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":77,"type":"private"},"text":"/start )" +
      token->token + R"("}})";
  EXPECT_EQ(Post(start).result_int(), 200);
  auto binding = Await(store_->GetBindingByChat("default", 77));
  ASSERT_OK(binding);
  EXPECT_EQ(binding->user, "42");
  EXPECT_EQ(replies_, 1) << "the dispatcher, for the welcome";
  auto queued = Await(store_->LoadQueued("default", store::Priority::kDirect, 0, 10));
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].text, "Welcome!");
  EXPECT_EQ(Pending(), 0u);
}

// An update stored pending before (the processor's loop has not reached it)
// goes first: the new ones are stored pending behind it, in update_id order.
TEST_F(ReceiptTest, AnUpdatePendingBeforeKeepsItsTurn) {
  ASSERT_TRUE(Await(store_->InsertUpdate({"default", 1, UpdateWithId(1)})).value());
  EXPECT_EQ(PostTogether({UpdateWithId(2), UpdateWithId(3)}), (std::vector<int>{200, 200}));
  EXPECT_EQ(Pending(), 3u);
  EXPECT_TRUE(EventUpdateIds().empty());
  EXPECT_EQ(notified_, 1);
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2, 3}));
}

// One that cannot be processed on receipt (it fails in the batch's first
// transaction, and again in its own savepoint in the second) is stored
// pending, with nothing of its effects, and so are the bot's later ones in
// the batch; the loop then takes them up in order.
TEST_F(ReceiptTest, AnUpdateThatFailsOnReceiptIsLeftPendingWithTheOnesBehindIt) {
  faulty_->FailNext("AddEvent", Status::Internal("disk I/O error"), 2);
  EXPECT_EQ(PostTogether({UpdateWithId(1), UpdateWithId(2)}), (std::vector<int>{200, 200}));
  EXPECT_EQ(faulty_->commits(), 1);
  EXPECT_EQ(Pending(), 2u);
  EXPECT_TRUE(EventUpdateIds().empty());
  EXPECT_EQ(notified_, 1);
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Pending(), 0u);
  // The next update finds nothing pending: processed on receipt again.
  EXPECT_EQ(Post(UpdateWithId(3)).result_int(), 200);
  EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2, 3}));
}

// The batch's first transaction processes each update without a savepoint:
// one failing there (after its processed mark and before its event) rolls
// back the whole first transaction, the ones before it included, and the
// second, each update in a savepoint, processes them all exactly once.
TEST_F(ReceiptTest, AFailureWithoutSavepointsRollsBackTheFirstTryWhole) {
  faulty_->FailNext("AddEvent", Status::Ok());  // update 1's passes
  faulty_->FailNext("AddEvent", Status::Internal("disk I/O error"));
  EXPECT_EQ(PostTogether({UpdateWithId(1), UpdateWithId(2), UpdateWithId(3)}),
            (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(faulty_->commits(), 1) << "the first try rolled back";
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(EventUpdateIds(), (std::vector<int64_t>{1, 2, 3})) << "each forwarded once";
  EXPECT_EQ(events_woken_, 1);
  EXPECT_EQ(notified_, 0);
}

// Where the bot is owned elsewhere (no processor here), updates are stored
// pending for its owner, as before there was processing on receipt.
TEST_F(ReceiptTest, WithoutAProcessorHereUpdatesAreStoredPending) {
  owned_ = false;
  EXPECT_EQ(Post(UpdateWithId(1)).result_int(), 200);
  EXPECT_EQ(Pending(), 1u);
  EXPECT_EQ(notified_, 1);
  EXPECT_TRUE(EventUpdateIds().empty());
  // A batch of them (every batch, on an instance that does not own the bot)
  // in one call: one round trip on PostgreSQL, not one per update.
  EXPECT_EQ(PostTogether({UpdateWithId(2), UpdateWithId(1), UpdateWithId(3)}),
            (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(faulty_->calls("InsertUpdates"), 2);
  EXPECT_EQ(faulty_->calls("InsertUpdate"), 0);
  EXPECT_EQ(Pending(), 3u) << "update 1 once";
  EXPECT_EQ(notified_, 2);
  EXPECT_TRUE(EventUpdateIds().empty());
}

TEST_F(ReceiptTest, UpdatesThatCannotBeStoredTogetherAreNotAcknowledged) {
  faulty_->FailNext("InsertUpdates", Status::Internal("disk I/O error"));
  ExpectAFailedBatchLeavesNothingAndItsRetryTakes();
}

TEST_F(ReceiptTest, AFailedCommitLeavesNeitherTheUpdatesNorTheirEffects) {
  faulty_->FailNextCommits(Status::Unavailable("disk full"));
  ExpectAFailedBatchLeavesNothingAndItsRetryTakes();
}

}  // namespace
}  // namespace tgate::webhook
