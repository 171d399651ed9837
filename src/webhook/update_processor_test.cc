// UpdateProcessor over a real in-memory store (behind a FaultyStore that can
// fail chosen calls) and a fake clock: linking by /start, polite refusals,
// block/unblock, forwarding, exactly-once, and updates that cannot be
// processed set aside without blocking the ones behind them.
#include "webhook/update_processor.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/faulty_store_test_util.h"
#include "store/store_test_util.h"

namespace tgate::webhook {
namespace {

using store::testing::Await;

std::string StartUpdate(int64_t id, int64_t chat, const std::string& text) {
  return R"({"update_id":)" + std::to_string(id) + R"(,"message":{"message_id":1,"date":1,"chat":{"id":)" +
         std::to_string(chat) + R"(,"type":"private"},"from":{"id":)" + std::to_string(chat) +
         R"(,"is_bot":false,"first_name":"A","username":"alice"},"text":")" + text + R"("}})";
}

std::string MemberUpdate(int64_t id, int64_t chat, const std::string& status) {
  return R"({"update_id":)" + std::to_string(id) + R"(,"my_chat_member":{"chat":{"id":)" +
         std::to_string(chat) + R"(,"type":"private"},"from":{"id":)" + std::to_string(chat) +
         R"(,"is_bot":false,"first_name":"A"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"b"}},"new_chat_member":{"status":")" +
         status + R"(","user":{"id":1,"is_bot":true,"first_name":"b"},"until_date":0}}})";
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    linker_ = std::make_unique<link::Linker>(*faulty_, clock_);
    Restart();
  }
  // A new processor on the same store, as after a restart of tgate.
  void Restart() {
    processor_ =
        std::make_unique<UpdateProcessor>(io_.get_executor(), *faulty_, *linker_, clock_,
                                          ProcessorOptions{"default", "my_bot", "Welcome!", "Expired."},
                                          ProcessorWakeUps{[this] { ++replies_; }, [this] { ++committed_; }});
  }
  void Insert(const std::string& json, int64_t id) {
    ASSERT_TRUE(Await(store_->InsertUpdate({"default", id, json})).value());
  }
  void Deliver(const std::string& json, int64_t id) {
    ASSERT_OK(Await(store_->InsertUpdate({"default", id, json})));
    ASSERT_OK(Await(processor_->Drain()));
  }
  std::vector<std::string> Queued() {
    std::vector<std::string> out;
    auto q = Await(store_->LoadQueued("default", store::Priority::kDirect, 0, 100));
    for (const auto& m : *q) out.push_back(std::to_string(m.chat_id) + ":" + m.text);
    return out;
  }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    auto due = Await(store_->DueEvents(INT64_MAX, 100));
    for (const auto& e : *due) out.push_back(e.payload);
    return out;
  }

  asio::io_context io_;
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;  // what the processor and linker use
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<UpdateProcessor> processor_;
  int replies_ = 0;    // wake-ups of the dispatcher: a reply was queued
  int committed_ = 0;  // wake-ups of the events sender: updates committed
};

TEST_F(ProcessorTest, StartWithTokenLinksAndWelcomes) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(link);
  Deliver(StartUpdate(1, 1001, "/start " + link->token), 1);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
  EXPECT_EQ(Queued(), std::vector<std::string>{"1001:Welcome!"});
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_NE(Events()[0].find(R"("type":"user.linked")"), std::string::npos);
  EXPECT_NE(Events()[0].find(R"("user":"42")"), std::string::npos);
  EXPECT_EQ(replies_, 1);
  EXPECT_EQ(committed_, 1);
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
}

TEST_F(ProcessorTest, StartAddressedToTheBotByNameLinksToo) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  Deliver(StartUpdate(1, 1001, "/start@my_bot " + link->token), 1);
  EXPECT_TRUE(Await(store_->GetBinding("default", "42")).ok());
}

TEST_F(ProcessorTest, ExpiredTokenGetsThePoliteReplyOnly) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 60));
  clock_.Advance(std::chrono::minutes(2));
  Deliver(StartUpdate(1, 1001, "/start " + link->token), 1);
  EXPECT_TRUE(Await(store_->GetBinding("default", "42")).status().IsNotFound());
  EXPECT_EQ(Queued(), std::vector<std::string>{"1001:Expired."});
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(replies_, 1) << "the dispatcher is woken for the reply";
}

TEST_F(ProcessorTest, BlockAndUnblock) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 1001, store::UserStatus::kActive, 0})));
  auto pending =
      Await(store_->Enqueue({"default", "42", 1001, "pending", "{}", "", store::Priority::kDirect}));
  ASSERT_OK(pending);
  Deliver(MemberUpdate(1, 1001, "kicked"), 1);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->status, store::UserStatus::kBlocked);
  // What is queued to the user stays queued, read as blocked: the dispatcher
  // fails it as it loads it, unsent.
  EXPECT_TRUE(Await(store_->GetMessage(pending->id))->chat_blocked);
  Deliver(MemberUpdate(2, 1001, "member"), 2);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->status, store::UserStatus::kActive);
  EXPECT_FALSE(Await(store_->GetMessage(pending->id))->chat_blocked)
      << "unblocked before its turn: it is sent";
  auto ev = Events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_NE(ev[0].find("user.blocked"), std::string::npos);
  EXPECT_NE(ev[1].find("user.unblocked"), std::string::npos);
  // No reply was queued, yet each pass wrote an event: the events sender is
  // woken, so user.blocked does not wait for its poll; the dispatcher is not.
  EXPECT_EQ(committed_, 2);
  EXPECT_EQ(replies_, 0);
}

TEST_F(ProcessorTest, OtherUpdatesAreForwardedWithTheUser) {
  ASSERT_OK(Await(store_->Bind({"default", "42", 1001, store::UserStatus::kActive, 0})));
  Deliver(StartUpdate(1, 1001, "hello bot"), 1);
  auto ev = Events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].find(R"("type":"update")"), std::string::npos);
  EXPECT_NE(ev[0].find(R"("user":"42")"), std::string::npos);
  EXPECT_NE(ev[0].find("hello bot"), std::string::npos);
  EXPECT_TRUE(Queued().empty());
  EXPECT_EQ(committed_, 1) << "the events sender is woken for the event";
  EXPECT_EQ(replies_, 0) << "the dispatcher has nothing new to load";
}

// The update is forwarded as Telegram wrote it (its text spliced into the
// event), and the event is JSON whatever the user's id holds.
TEST_F(ProcessorTest, TheForwardedUpdateIsTheTextTelegramSent) {
  ASSERT_OK(Await(store_->Bind({"default", "4\"2\\ \u00e9", 1001, store::UserStatus::kActive, 0})));
  const std::string update =
      R"({ "update_id" : 1, "message":{"message_id":1,"date":1,"chat":{"id":1001,"type":"private"},)"
      R"("text":"caf\u00e9 \"quoted\" 1.50e2"} })";
  Deliver(update, 1);
  auto ev = Events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].find(update), std::string::npos) << ev[0];
  boost::system::error_code ec;
  auto parsed = boost::json::parse(ev[0], ec);
  ASSERT_FALSE(ec) << ev[0];
  EXPECT_EQ(parsed.at("type"), "update");
  EXPECT_EQ(parsed.at("user"), "4\"2\\ \u00e9");
  EXPECT_EQ(parsed.at("bot"), "default");
  EXPECT_EQ(parsed.at("update").at("message").at("text"), "caf\u00e9 \"quoted\" 1.50e2");
}

TEST_F(ProcessorTest, EachUpdateIsProcessedOnce) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  std::string u = StartUpdate(7, 1001, "/start " + link->token);
  Deliver(u, 7);
  auto again = Await(store_->InsertUpdate({"default", 7, u}));
  ASSERT_OK(again);
  EXPECT_FALSE(*again);
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(Queued().size(), 1u);
}

// A private message whose chat has no integer id (issue 11: a fuzzer's update
// that failed on every pass and blocked every later one, across restarts).
std::string ChatWithoutId(int64_t id) {
  return R"({"update_id":)" + std::to_string(id) +
         R"(,"message":{"message_id":1,"date":1,"chat":{"type":"private"},"text":"/start abc"}})";
}

TEST_F(ProcessorTest, AnUpdateThatCannotBeProcessedIsSetAsideAndBlocksNothing) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(link);
  ASSERT_OK(Await(store_->Bind({"default", "7", 1007, store::UserStatus::kActive, 0})));
  Insert(StartUpdate(1, 1001, "hello"), 1);
  Insert(ChatWithoutId(2), 2);
  Insert(R"({"update_id":3,"message":"not an object"})", 3);  // as long polling stores it
  Insert("not json at all", 4);
  Insert(StartUpdate(5, 1002, "/start " + link->token), 5);
  Insert(MemberUpdate(6, 1007, "kicked"), 6);
  ASSERT_OK(Await(processor_->Drain()));

  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1002) << "the /start behind them linked";
  EXPECT_EQ(Await(store_->GetBinding("default", "7"))->status, store::UserStatus::kBlocked);
  EXPECT_EQ(Queued(), std::vector<std::string>{"1002:Welcome!"});
  EXPECT_EQ(Events().size(), 3u);  // update 1 forwarded, user.linked, user.blocked
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 3);
  EXPECT_EQ(processor_->set_aside(), 3u);

  // Kept and marked, not retried: neither by this processor nor after a restart.
  ASSERT_OK(Await(processor_->Drain()));
  Restart();
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(processor_->set_aside(), 0u);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 3);
  EXPECT_FALSE(Await(store_->InsertUpdate({"default", 2, ChatWithoutId(2)})).value()) << "still deduplicated";
  EXPECT_EQ(faulty_->calls("SetUpdateAside"), 3);
}

// Group commit: the pending updates of a burst, their effects, their marks
// and a set-aside one among them commit once, not once each.
TEST_F(ProcessorTest, ABurstOfUpdatesCommitsOnce) {
  for (int64_t id = 1; id <= 5; ++id) Insert(StartUpdate(id, 1000 + id, "hello"), id);
  Insert(ChatWithoutId(6), 6);
  Insert(StartUpdate(7, 1007, "after it"), 7);
  const int before = faulty_->commits();
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(faulty_->commits() - before, 1);
  EXPECT_EQ(Events().size(), 6u);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 1);
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
  EXPECT_EQ(committed_, 1) << "one wake-up for the pass";
  EXPECT_EQ(replies_, 0) << "forwarded updates queue nothing for the dispatcher";
}

// A chunk is first processed without savepoints: an update failing there
// (after the one before it bound a user and queued its welcome) rolls the
// whole try back, and the second, each update in a savepoint, does
// everything exactly once, in one commit.
TEST_F(ProcessorTest, AFailureInTheStraightTryRollsItBackWhole) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(link);
  Insert(StartUpdate(1, 1001, "/start " + link->token), 1);
  Insert(StartUpdate(2, 1001, "hello"), 2);
  Insert(StartUpdate(3, 1001, "again"), 3);
  faulty_->FailNext("AddEvent", Status::Ok());                        // update 1's user.linked
  faulty_->FailNext("AddEvent", Status::Internal("disk I/O error"));  // update 2's, once
  const int before = faulty_->commits();
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(faulty_->commits() - before, 1);
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
  EXPECT_EQ(Queued(), std::vector<std::string>{"1001:Welcome!"});
  EXPECT_EQ(Events().size(), 3u);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 0);
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
  EXPECT_EQ(processor_->set_aside(), 0u);
  EXPECT_EQ(replies_, 1);
}

TEST_F(ProcessorTest, ASetAsideUpdateLeavesNoPartialEffects) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(link);
  Insert(StartUpdate(1, 1001, "/start " + link->token), 1);
  Insert(StartUpdate(2, 1002, "/start " + link->token), 2);
  // Update 1 binds and queues its welcome, then its event cannot be written
  // (not transiently): all of it rolls back, and the token is left for update 2.
  // (It fails in both tries: the chunk straight, then each in a savepoint.)
  faulty_->FailNext("AddEvent", Status::Internal("disk I/O error"), 2);
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1002);
  EXPECT_EQ(Queued(), std::vector<std::string>{"1002:Welcome!"});
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_NE(Events()[0].find(R"("chat_id":1002)"), std::string::npos);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 1);
}

TEST_F(ProcessorTest, ATransientStoreFailureIsRetriedInOrderOnTheNextPass) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 60));
  clock_.Advance(std::chrono::minutes(2));
  Insert(StartUpdate(1, 1001, "/start " + link->token), 1);  // expired: a reply, no event
  Insert(StartUpdate(2, 1002, "first"), 2);
  Insert(StartUpdate(3, 1003, "second"), 3);
  // In both tries: the chunk straight, then each update in a savepoint.
  faulty_->FailNext("AddEvent", Status::Unavailable("sqlite step: database is locked"), 2);
  Status s = Await(processor_->Drain());
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_EQ(Queued(), std::vector<std::string>{"1001:Expired."});
  EXPECT_EQ(replies_, 1) << "the reply committed before the failure wakes the dispatcher";
  EXPECT_EQ(committed_, 1);
  EXPECT_TRUE(Events().empty()) << "update 3 does not overtake update 2";
  EXPECT_EQ(Await(store_->PendingUpdates("default", 10))->size(), 2u);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 0);

  ASSERT_OK(Await(processor_->Drain()));
  auto ev = Events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_NE(ev[0].find("first"), std::string::npos);
  EXPECT_NE(ev[1].find("second"), std::string::npos);
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
  EXPECT_EQ(processor_->set_aside(), 0u);
}

TEST_F(ProcessorTest, AnUpdateWhoseCommitFailsLeavesNoEffectsAndIsProcessedOnTheNextPass) {
  auto link = Await(linker_->Issue("default", "my_bot", "42", 900));
  ASSERT_OK(link);
  Insert(StartUpdate(1, 1001, "/start " + link->token), 1);
  // The binding, the welcome, the user.linked event and the processed mark
  // all commit at the end of one transaction, which fails (busy).
  faulty_->FailNextCommits(Status::Unavailable("sqlite commit: database is locked"));
  EXPECT_TRUE(Await(processor_->Drain()).IsUnavailable());
  EXPECT_TRUE(Await(store_->GetBinding("default", "42")).status().IsNotFound());
  EXPECT_TRUE(Queued().empty());
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(Await(store_->PendingUpdates("default", 10))->size(), 1u);
  EXPECT_EQ(replies_ + committed_, 0);

  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(Await(store_->GetBinding("default", "42"))->chat_id, 1001);
  EXPECT_EQ(Queued(), std::vector<std::string>{"1001:Welcome!"});
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_NE(Events()[0].find(R"("type":"user.linked")"), std::string::npos);
  EXPECT_TRUE(Await(store_->PendingUpdates("default", 10))->empty());
  EXPECT_EQ(processor_->set_aside(), 0u);
}

TEST_F(ProcessorTest, AnUpdateThatCannotBeSetAsideStaysPendingForTheNextPass) {
  Insert(ChatWithoutId(1), 1);
  Insert(StartUpdate(2, 1002, "behind it"), 2);
  faulty_->FailNext("SetUpdateAside", Status::Unavailable("sqlite step: database is locked"));
  EXPECT_FALSE(Await(processor_->Drain()).ok());
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(Await(store_->PendingUpdates("default", 10))->size(), 2u);
  ASSERT_OK(Await(processor_->Drain()));
  EXPECT_EQ(Events().size(), 1u);
  EXPECT_EQ(Await(store_->CountSetAsideUpdates("default")).value(), 1);
  EXPECT_EQ(processor_->set_aside(), 1u);
}

// Lifetimes (core/lifetime.h): destroying the processor while its loop sleeps,
// without Stop(), ends the loop, and the loop touches nothing after (the ASan
// build reports a use of the freed processor).
TEST_F(ProcessorTest, DestroyingTheProcessorWhileItsLoopSleepsEndsTheLoop) {
  processor_->Start();
  io_.poll();  // one pass (nothing pending); the loop sleeps 30 s
  Insert(StartUpdate(1, 1001, "/start tok"), 1);
  processor_.reset();
  io_.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(io_.stopped());  // the sleep was cut short and the loop returned
  EXPECT_EQ(Await(store_->PendingUpdates("default", 10))->size(), 1u);  // nothing processed after
  EXPECT_EQ(replies_ + committed_, 0);
}

}  // namespace
}  // namespace tgate::webhook
