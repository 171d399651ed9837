// EventsSender against a real loopback site: events arrive signed, a failing
// site gets them again later, delivered events leave the outbox, several go
// at once but one chat's one at a time and in order.
#include "api/events_sender.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <set>

#include "core/random.h"
#include "core/testing.h"
#include "http/server.h"
#include "store/faulty_store_test_util.h"
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

// Appends what `socket` receives to `got` until it closes.
Awaitable<void> ReadAll(std::shared_ptr<asio::ip::tcp::socket> socket, std::shared_ptr<std::string> got) {
  std::array<char, 4096> chunk;
  for (;;) {
    auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), kAsTuple);
    if (ec) co_return;
    got->append(chunk.data(), n);
  }
}

// Concurrency: a site whose answers the test holds until it opens the gate,
// and which records the events in the order they arrived.
class EventsSenderConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    ASSERT_OK(site_.Start());
  }
  void TearDown() override {
    sender_.reset();
    site_.Stop();
  }

  // On `store`, or the real one.
  void StartSender(int concurrency, store::Store* store = nullptr,
                   std::chrono::milliseconds first_retry = std::chrono::seconds(1)) {
    EventsSenderOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(site_.port()) + "/events";
    o.concurrency = concurrency;
    o.first_retry = first_retry;
    sender_ =
        std::make_unique<EventsSender>(io_.get_executor(), store ? *store : *store_, clock_, metrics_, o);
    ASSERT_OK(sender_->Start());
  }
  void AddEvent(int64_t chat, int n) {
    const std::string e = R"({"type":"message.sent","id":)" + std::to_string(n) + R"(,"chat_id":)" +
                          std::to_string(chat) + R"(,"bot":"b"})";
    ASSERT_OK(Await(store_->AddEvent(e, 0)));
  }
  // Runs until `done` holds (at most 5 s).
  void RunUntil(const std::function<bool()>& done) {
    for (auto until = std::chrono::steady_clock::now() + 5s;
         !done() && std::chrono::steady_clock::now() < until;)
      io_.run_one_for(20ms);
  }
  size_t Outbox() { return Await(store_->DueEvents(INT64_MAX, 1000))->size(); }

  asio::io_context io_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  asio::steady_timer gate_{io_, asio::steady_timer::time_point::max()};
  bool gate_open_ = false;
  int waiting_at_gate_ = 0;
  int most_at_once_ = 0;
  std::vector<std::string> arrived_;  // bodies, in the order they arrived
  std::function<bool(const std::string&)> held_ = [](const std::string&) { return true; };
  // The status the site answers an event with.
  std::function<int(const std::string&)> status_ = [](const std::string&) { return 204; };
  http::Server site_{io_.get_executor(), {}, [this](http::Request req) -> Awaitable<http::Response> {
                       const std::string body = req.body();
                       arrived_.push_back(body);
                       if (!gate_open_ && held_(body)) {
                         most_at_once_ = std::max(most_at_once_, ++waiting_at_gate_);
                         co_await gate_.async_wait(kAsTuple);
                         --waiting_at_gate_;
                       }
                       co_return http::TextResponse(req, status_(body), "");
                     }};
  std::unique_ptr<EventsSender> sender_;

  void OpenGate() {
    gate_open_ = true;
    gate_.cancel();
  }
};

TEST_F(EventsSenderConcurrencyTest, EventsOfDifferentChatsGoAtOnceUpToTheConcurrency) {
  for (int chat = 1; chat <= 10; ++chat) AddEvent(chat, chat);
  StartSender(4);
  RunUntil([&] { return waiting_at_gate_ == 4; });
  io_.run_for(100ms);  // no fifth one comes while four are on their way
  EXPECT_EQ(waiting_at_gate_, 4);
  EXPECT_EQ(arrived_.size(), 4u);
  OpenGate();
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_EQ(arrived_.size(), 10u);
  EXPECT_EQ(most_at_once_, 4);
  EXPECT_EQ(Outbox(), 0u);
}

TEST_F(EventsSenderConcurrencyTest, OneChatsEventsGoOneAtATimeInOrder) {
  // Chat 1 has events 1, 3, 4 and 6; chat 2 has 2 and 5.
  for (auto [chat, n] : std::vector<std::pair<int, int>>{{1, 1}, {2, 2}, {1, 3}, {1, 4}, {2, 5}, {1, 6}})
    AddEvent(chat, n);
  StartSender(8);
  RunUntil([&] { return waiting_at_gate_ == 2; });
  io_.run_for(100ms);
  EXPECT_EQ(waiting_at_gate_, 2);  // one of each chat
  ASSERT_EQ(arrived_.size(), 2u);
  OpenGate();
  RunUntil([&] { return Outbox() == 0; });
  ASSERT_EQ(arrived_.size(), 6u);
  std::vector<int> chat1, chat2;
  for (const std::string& body : arrived_) {
    const int n = body[body.find(R"("id":)") + 5] - '0';
    (body.find(R"("chat_id":1,)") != std::string::npos ? chat1 : chat2).push_back(n);
  }
  EXPECT_EQ(chat1, (std::vector<int>{1, 3, 4, 6}));
  EXPECT_EQ(chat2, (std::vector<int>{2, 5}));
}

TEST_F(EventsSenderConcurrencyTest, AChatTheSiteIsSlowWithDoesNotHoldBackTheOthers) {
  held_ = [](const std::string& body) { return body.find(R"("chat_id":1,)") != std::string::npos; };
  AddEvent(1, 1);
  AddEvent(1, 2);
  for (int chat = 2; chat <= 30; ++chat) AddEvent(chat, chat);
  StartSender(2);
  // One of two on its way is held by the site all along: the other carries
  // all 29 events of the other chats meanwhile.
  RunUntil([&] { return Outbox() == 2; });
  EXPECT_EQ(Outbox(), 2u);
  EXPECT_EQ(waiting_at_gate_, 1);
  EXPECT_EQ(arrived_.size(), 30u);  // chat 1's second waits for its first
  OpenGate();
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_EQ(arrived_.size(), 31u);
  EXPECT_EQ(Outbox(), 0u);
}

TEST_F(EventsSenderConcurrencyTest, AnOutboxOfManyBatchesIsDeliveredWhole) {
  OpenGate();
  for (int n = 1; n <= 1000; ++n) AddEvent(1 + n % 100, n);
  StartSender(8);
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_EQ(Outbox(), 0u);
  EXPECT_EQ(arrived_.size(), 1000u);
}

// PostgreSQL's calls suspend: answers come in and outcomes are written while
// the outbox is read, and the read may still return an event just removed.
TEST_F(EventsSenderConcurrencyTest, StoreCallsThatSuspendDeliverEachEventOnce) {
  OpenGate();
  for (int n = 1; n <= 1000; ++n) AddEvent(1 + n % 100, n);
  store::testing::FaultyStore suspending(*store_);
  suspending.SuspendCalls(io_.get_executor());
  StartSender(8, &suspending);
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_EQ(Outbox(), 0u);
  EXPECT_EQ(arrived_.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(arrived_.begin(), arrived_.end()).size(), 1000u);
}

// The store fails to remove delivered events: they are written again after
// a pause, not sent again, and nothing more goes until they are.
TEST_F(EventsSenderConcurrencyTest, DeliveredEventsTheStoreFailedToRemoveAreWrittenAgainNotSentAgain) {
  OpenGate();
  for (int n = 1; n <= 20; ++n) AddEvent(n, n);
  store::testing::FaultyStore faulty(*store_);
  faulty.FailNext("EventsDelivered", Status::Unavailable("disk I/O error"), 3);
  StartSender(4, &faulty, 100ms);
  io_.run_for(150ms);              // the first removal failed, the second is due at 100 ms
  EXPECT_LE(arrived_.size(), 4u);  // no more went meanwhile
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_EQ(Outbox(), 0u);
  EXPECT_EQ(arrived_.size(), 20u);  // each once
  EXPECT_EQ(std::set<std::string>(arrived_.begin(), arrived_.end()).size(), 20u);
}

// A site that is down (here 503) is not sent every due event: the first
// failure pauses all, then one event at a time tries it after a pause that
// doubles (100 ms, 200 ms, ...), until it answers. An event that found it
// down goes back in line: each chat's events are still taken in order.
TEST_F(EventsSenderConcurrencyTest, ASiteThatIsDownGetsOneEventAtATimeAfterAPause) {
  OpenGate();
  bool down = true;
  status_ = [&](const std::string&) { return down ? 503 : 204; };
  for (int n = 1; n <= 20; ++n) AddEvent(1 + n % 5, n);  // 4 events each of 5 chats
  StartSender(8, nullptr, 100ms);
  io_.run_for(350ms);
  // One of each chat at once, then one at ~100 ms and one at ~300 ms.
  // Without the pause all went, and each failed one again after 100 ms.
  EXPECT_LE(arrived_.size(), 7u);
  EXPECT_GE(arrived_.size(), 1u);
  EXPECT_NE(metrics_.Render().find("tgate_events_site_down 1"), std::string::npos);
  const size_t while_down = arrived_.size();
  down = false;
  RunUntil([&] { return Outbox() == 0; });
  EXPECT_NE(metrics_.Render().find("tgate_events_site_down 0"), std::string::npos);
  EXPECT_EQ(Outbox(), 0u);
  ASSERT_EQ(arrived_.size(), while_down + 20);  // then each event once, taken
  std::map<char, std::string> order;            // chat -> the ids it was taken in
  for (size_t i = while_down; i < arrived_.size(); ++i) {
    const std::string& body = arrived_[i];
    const size_t id = body.find(R"("id":)") + 5, chat = body.find(R"("chat_id":)") + 10;
    order[body[chat]] += body.substr(id, body.find(',', id) - id) + " ";
  }
  EXPECT_EQ(order['1'], "5 10 15 20 ");
  EXPECT_EQ(order['2'], "1 6 11 16 ");
  EXPECT_EQ(order['5'], "4 9 14 19 ");
}

// A site down that answers at once: the answer can be in the socket before
// the request's write returns (a site on the same machine), and the client
// reads it there, so a POST may end before the sender has finished starting
// the others. Here the site has written its 503s before any request came, so
// every POST on an open connection ends that way. The pause still lets one
// event go at a time: before, the one that found the site down went back in
// line under the loop that started it, and the whole line went after the
// first pause, each event at once after the last.
TEST_F(EventsSenderConcurrencyTest, ASiteDownThatAnswersBeforeTheWriteReturnsStillGetsOneEventAtATime) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> sockets;
  std::vector<std::shared_ptr<std::string>> received;
  const std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
  std::string answers;
  for (int i = 0; i < 100; ++i) answers += answer;
  std::function<void()> accept = [&] {
    auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
    acceptor.async_accept(*socket, [&, socket](boost::system::error_code ec) {
      if (ec) return;
      sockets.push_back(socket);
      asio::write(*socket, asio::buffer(answers));  // 100 answers ahead of any request
      auto got = std::make_shared<std::string>();
      received.push_back(got);
      asio::co_spawn(io_, ReadAll(socket, got), asio::detached);
      accept();
    });
  };
  accept();
  auto posts = [&] {
    size_t n = 0;
    for (const auto& got : received)
      for (size_t at = got->find("POST /"); at != std::string::npos; at = got->find("POST /", at + 1)) ++n;
    return n;
  };
  for (int n = 1; n <= 20; ++n) AddEvent(1 + n % 5, n);  // 4 events each of 5 chats
  EventsSenderOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/events";
  o.concurrency = 8;
  o.first_retry = 100ms;
  sender_ = std::make_unique<EventsSender>(io_.get_executor(), *store_, clock_, metrics_, o);
  ASSERT_OK(sender_->Start());
  // One of each chat at once (each on a new connection), then one after
  // the first pause (100 ms), ending before its co_spawn returns, and the
  // next not before the second (200 ms more). Before, the first one after
  // the pause set off the rest of the line at once.
  RunUntil([&] { return posts() >= 6; });
  ASSERT_GE(posts(), 6u);
  io_.run_for(50ms);  // what else that start set off has reached the site
  EXPECT_LE(posts(), 7u);
  EXPECT_NE(metrics_.Render().find("tgate_events_site_down 1"), std::string::npos);
  EXPECT_EQ(Outbox(), 20u);  // none taken, none lost
  sender_.reset();
  for (auto& socket : sockets) socket->close();
  acceptor.close();
}

// Another 4xx refuses that event only: it goes again after its own backoff
// (10 s here), and the others go meanwhile, none held by a pause.
TEST_F(EventsSenderConcurrencyTest, AnEventTheSiteRefusesDoesNotHoldBackTheOthers) {
  OpenGate();
  status_ = [](const std::string& body) {
    return body.find(R"("chat_id":1,)") != std::string::npos ? 400 : 204;
  };
  for (int n = 1; n <= 20; ++n) AddEvent(n, n);
  StartSender(2, nullptr, 10s);
  RunUntil([&] { return Outbox() == 1; });
  EXPECT_EQ(Outbox(), 1u);
  EXPECT_EQ(arrived_.size(), 20u);
}

}  // namespace
}  // namespace tgate::api
