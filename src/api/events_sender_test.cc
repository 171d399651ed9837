// EventsSender against a real loopback site: events arrive signed, a failing
// site gets them again later, delivered events leave the outbox.
#include "api/events_sender.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "core/testing.h"
#include "http/server.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::api {
namespace {

using store::testing::Await;

using namespace std::chrono_literals;

TEST(EventsSender, SignatureCoversTimestampAndBody) {
  std::string sig = SignEvent("secret", 1700000000, R"({"type":"x"})");
  EXPECT_EQ(sig, "sha256=" + HmacSha256Hex("secret", R"(1700000000.{"type":"x"})"));
  EXPECT_NE(sig, SignEvent("secret", 1700000001, R"({"type":"x"})"));
}

TEST(EventsSender, DeliversSignedAndRetriesUntil2xx) {
  asio::io_context io;
  SystemClock clock;
  Metrics metrics;
  auto s = store::Store::Open({":memory:"});
  ASSERT_OK(s);
  store::Store& store = **s;
  ASSERT_OK(Await(store.AddEvent(R"({"type":"user.linked","user":"42"})", 0)));

  int calls = 0;
  std::string body, signature, timestamp, event_id;
  http::Server site(io.get_executor(), {}, [&](http::Request req) -> Awaitable<http::Response> {
    ++calls;
    body = req.body();
    signature = std::string(req["X-Tgate-Signature"]);
    timestamp = std::string(req["X-Tgate-Timestamp"]);
    event_id = std::string(req["X-Tgate-Event-Id"]);
    co_return http::TextResponse(req, calls == 1 ? 500 : 204, "");
  });
  ASSERT_OK(site.Start());
  EventsSenderOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(site.port()) + "/events";
  o.secret = "s3cret";
  o.first_retry = 50ms;
  EventsSender sender(io.get_executor(), store, clock, metrics, o);
  ASSERT_OK(sender.Start());

  asio::steady_timer stop(io);
  std::function<void()> poll = [&] {
    stop.expires_after(20ms);
    stop.async_wait([&](auto) {
      auto due = Await(store.DueEvents(INT64_MAX, 10));
      if (calls >= 2 && due.ok() && due->empty()) {
        sender.Stop();
        site.Stop();
        io.stop();
        return;
      }
      poll();
    });
  };
  poll();
  io.run_for(5s);
  EXPECT_EQ(calls, 2);  // refused once, then delivered
  EXPECT_EQ(body, R"({"type":"user.linked","user":"42"})");
  EXPECT_EQ(event_id, "1");
  EXPECT_EQ(signature, SignEvent("s3cret", std::stoll(timestamp), body));
  EXPECT_TRUE(Await(store.DueEvents(INT64_MAX, 10))->empty());
}

TEST(EventsSender, RefusesAMalformedUrl) {
  asio::io_context io;
  SystemClock clock;
  Metrics metrics;
  auto s = store::Store::Open({":memory:"});
  ASSERT_OK(s);
  EventsSender sender(io.get_executor(), **s, clock, metrics, {"ftp://nowhere", ""});
  EXPECT_FALSE(sender.Start().ok());
}

// Lifetimes (core/lifetime.h): destroying the sender, without Stop(), ends its
// loop whether it sleeps or waits for the site, and the loop touches nothing
// of it after (the ASan build reports a use of the freed sender).
class EventsSenderLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    ASSERT_OK(site_.Start());
    EventsSenderOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(site_.port()) + "/events";
    sender_ = std::make_unique<EventsSender>(io_.get_executor(), *store_, clock_, metrics_, o);
  }

  asio::io_context io_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  // The site answers 204 once the test opens the gate.
  asio::steady_timer gate_{io_, asio::steady_timer::time_point::max()};
  int posts_ = 0;
  http::Server site_{io_.get_executor(), {}, [this](http::Request req) -> Awaitable<http::Response> {
                       ++posts_;
                       co_await gate_.async_wait(kAsTuple);
                       co_return http::TextResponse(req, 204, "");
                     }};
  std::unique_ptr<EventsSender> sender_;
};

TEST_F(EventsSenderLifetimeTest, DestroyingTheSenderWhileItSleepsEndsItsLoop) {
  ASSERT_OK(sender_->Start());
  io_.poll();  // nothing due: the loop sleeps 30 s
  sender_.reset();
  site_.Stop();
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
  EXPECT_EQ(posts_, 0);
}

TEST_F(EventsSenderLifetimeTest, DestroyingTheSenderWhileTheSiteAnswersLeavesTheEventForLater) {
  ASSERT_OK(Await(store_->AddEvent(R"({"type":"user.linked","user":"42"})", 0)));
  ASSERT_OK(sender_->Start());
  for (int i = 0; i < 100 && posts_ == 0; ++i) io_.run_one_for(100ms);
  ASSERT_EQ(posts_, 1);  // the POST is under way
  sender_.reset();
  site_.Stop();
  gate_.cancel();  // the site answers 204
  io_.run_for(5s);
  EXPECT_TRUE(io_.stopped());
  // The answer came after the sender was gone: its outcome is not written,
  // so the event is delivered again by the next sender.
  EXPECT_EQ(Await(store_->DueEvents(INT64_MAX, 10))->size(), 1u);
  EXPECT_EQ(metrics_.Render().find("tgate_events_total{"), std::string::npos);
}

}  // namespace
}  // namespace tgate::api
