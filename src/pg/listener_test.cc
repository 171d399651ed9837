#include "pg/listener.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "core/testing.h"
#include "pg/pg_test_util.h"

namespace tgate::pg {
namespace {

using namespace std::chrono_literals;

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = TestDatabase::Create();
    if (!db_) GTEST_SKIP() << kNoTestServer;
    auto c = RunAwait(io_, Connection::Connect(io_.get_executor(), db_->url()));
    ASSERT_OK(c);
    sender_ = std::move(*c);
  }

  // Runs the io_context until `done` or 10 s have passed; whether `done`.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    io_.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(5ms);
      io_.restart();
    }
    return done();
  }

  Status Notify(const std::string& channel, const std::string& payload) {
    auto r = RunAwait(io_, sender_->Query("SELECT pg_notify($1, $2)", Params().Add(channel).Add(payload)));
    return r.status();
  }

  std::unique_ptr<Listener> Make() {
    Listener::Callbacks cb;
    cb.on_notification = [this](const Notification& n) { got_.push_back(n.channel + ":" + n.payload); };
    cb.on_listening = [this] { ++listening_calls_; };
    return std::make_unique<Listener>(io_.get_executor(), db_->url(),
                                      std::vector<std::string>{"a_one", "b_two"}, clock_, cb, 50ms);
  }

  asio::io_context io_;
  SystemClock clock_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Connection> sender_;
  std::vector<std::string> got_;
  int listening_calls_ = 0;
};

TEST_F(ListenerTest, HandsOverNotificationsOfEveryChannelAndNoOther) {
  auto listener = Make();
  listener->Start();
  ASSERT_TRUE(RunUntil([&] { return listening_calls_ == 1; }));
  ASSERT_OK(Notify("a_one", "x"));
  ASSERT_OK(Notify("elsewhere", "y"));
  ASSERT_OK(Notify("b_two", "z"));
  ASSERT_TRUE(RunUntil([&] { return got_.size() >= 2; }));
  io_.run_for(50ms);
  EXPECT_EQ(got_, (std::vector<std::string>{"a_one:x", "b_two:z"}));
}

TEST_F(ListenerTest, ListensAgainAfterItsConnectionIsKilledAndSaysSo) {
  auto listener = Make();
  listener->Start();
  ASSERT_TRUE(RunUntil([&] { return listening_calls_ == 1; }));
  const int victim = listener->backend_pid();
  ASSERT_NE(victim, 0);
  ASSERT_OK(RunAwait(io_, sender_->Query("SELECT pg_terminate_backend($1)", Params().Add(victim))));
  // on_listening again: the owner of the callbacks rechecks what it may
  // have missed while the connection was down.
  ASSERT_TRUE(RunUntil([&] { return listening_calls_ == 2; }));
  EXPECT_GE(listener->reconnects(), 1u);
  EXPECT_NE(listener->backend_pid(), victim);
  ASSERT_OK(Notify("b_two", "after"));
  ASSERT_TRUE(RunUntil([&] { return !got_.empty(); }));
  EXPECT_EQ(got_.back(), "b_two:after");
}

TEST_F(ListenerTest, KeepsTryingWhileTheServerCannotBeReachedAndCallsNothingOnceDestroyed) {
  Listener::Callbacks cb;
  int calls = 0;
  cb.on_listening = [&] { ++calls; };
  // A port nothing listens on: connects fail at once, the loop retries.
  auto listener =
      std::make_unique<Listener>(io_.get_executor(), "postgresql://127.0.0.1:1/x?connect_timeout=1",
                                 std::vector<std::string>{"a_one"}, clock_, cb, 20ms);
  listener->Start();
  ASSERT_TRUE(RunUntil([&] { return listener->reconnects() >= 3; }));
  EXPECT_FALSE(listener->listening());
  listener.reset();
  io_.run_for(100ms);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace tgate::pg
