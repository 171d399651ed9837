// EventsSender against a real loopback site: events arrive signed, a failing
// site gets them again later, delivered events leave the outbox.
#include "api/events_sender.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "core/testing.h"
#include "http/server.h"
#include "store/store.h"

namespace tgate::api {
namespace {

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
  ASSERT_OK(store.AddEvent(R"({"type":"user.linked","user":"42"})", 0));

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
      auto due = store.DueEvents(INT64_MAX, 10);
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
  EXPECT_TRUE(store.DueEvents(INT64_MAX, 10)->empty());
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

}  // namespace
}  // namespace tgate::api
