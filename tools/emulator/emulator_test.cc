// End-to-end over loopback: the Emulator, an http::Client standing in for
// tgate, and a tiny http::Server standing in for tgate's webhook.
#include "tools/emulator/emulator.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/testing.h"
#include "http/client.h"
#include "http/server.h"

namespace tgate::emulator {
namespace {

using namespace std::chrono_literals;

constexpr char kToken[] = "123456:TEST-token-not-real";

struct Hit {
  std::string secret;
  boost::json::value body;
};

class EmulatorE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions o;
    o.tokens = {kToken};
    o.webhook_retry_initial = 100ms;
    o.request_latency_min = request_latency_min_;
    o.request_latency_max = request_latency_max_;
    emu_ = std::make_unique<Emulator>(io_.get_executor(), o);
    ASSERT_OK(emu_->Start());
    hook_ = std::make_unique<http::Server>(
        io_.get_executor(), http::ServerOptions{}, [this](http::Request req) -> Awaitable<http::Response> {
          Hit h;
          if (auto it = req.find("X-Telegram-Bot-Api-Secret-Token"); it != req.end()) {
            h.secret = std::string(it->value());
          }
          h.body = boost::json::parse(req.body());
          hits_.push_back(std::move(h));
          unsigned status = fail_next_ > 0 ? (--fail_next_, 502u) : 200u;
          co_return http::TextResponse(req, status, "");
        });
    ASSERT_OK(hook_->Start());
    client_ = std::make_unique<http::Client>(
        io_.get_executor(),
        http::ClientOptions{.base_url = "http://127.0.0.1:" + std::to_string(emu_->port()), .timeout = 10s});
    ASSERT_OK(client_->Init());
  }
  void TearDown() override {
    emu_->Stop();
    hook_->Stop();
    client_.reset();
    io_.run_for(100ms);
  }

  // Runs `body` to completion on io_ (bounded in time).
  void Run(std::function<Awaitable<void>()> body) {
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> Awaitable<void> {
          co_await body();
          done = true;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    EXPECT_TRUE(done) << "test coroutine did not finish in time";
  }

  struct Answer {
    unsigned status = 0;
    boost::json::value json;
    bool transport_error = false;
  };
  Awaitable<Answer> Call(std::string target, std::string json_body = "", bool post = true) {
    auto r = co_await client_->Send(post ? bhttp::verb::post : bhttp::verb::get, std::move(target),
                                    json_body.empty() ? "" : "application/json", std::move(json_body));
    Answer a;
    if (!r.ok()) {
      a.transport_error = true;
      co_return a;
    }
    a.status = r->status;
    boost::system::error_code ec;
    a.json = boost::json::parse(r->body, ec);
    co_return a;
  }
  Awaitable<Answer> Bot(std::string method, std::string json_body = "") {
    return Call(std::string("/bot") + kToken + "/" + method, std::move(json_body));
  }
  Awaitable<void> Sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(io_, d);
    co_await t.async_wait(kAsTuple);
  }
  Awaitable<bool> WaitForHits(size_t n) {
    for (int i = 0; i < 100 && hits_.size() < n; ++i) co_await Sleep(20ms);
    co_return hits_.size() >= n;
  }
  std::string HookUrl() const { return "http://127.0.0.1:" + std::to_string(hook_->port()) + "/hook"; }
  static std::string Desc(const Answer& a) {
    const auto* d = a.json.is_object() ? a.json.as_object().if_contains("description") : nullptr;
    return d && d->is_string() ? std::string(d->as_string()) : "";
  }

  asio::io_context io_;
  std::unique_ptr<Emulator> emu_;
  std::unique_ptr<http::Server> hook_;
  std::unique_ptr<http::Client> client_;
  std::vector<Hit> hits_;
  int fail_next_ = 0;
  std::chrono::milliseconds request_latency_min_{0}, request_latency_max_{0};
};

class EmulatorJitterE2E : public EmulatorE2E {
 protected:
  void SetUp() override {
    request_latency_min_ = 40ms;
    request_latency_max_ = 60ms;
    EmulatorE2E::SetUp();
  }
};

TEST_F(EmulatorE2E, WebhookGetsStartWithSecretAndIsRetriedAfter502) {
  Run([&]() -> Awaitable<void> {
    auto set = co_await Bot("setWebhook", R"({"url":")" + HookUrl() + R"(","secret_token":"s3cret_-X"})");
    EXPECT_EQ(set.status, 200u);
    EXPECT_EQ(Desc(set), "Webhook was set");
    auto poll = co_await Bot("getUpdates");
    EXPECT_EQ(poll.status, 409u);
    EXPECT_EQ(
        Desc(poll),
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
        "webhook first");

    fail_next_ = 1;
    auto start = co_await Call("/control/start", R"({"user_id":1001,"payload":"TOKEN123"})");
    EXPECT_EQ(start.status, 200u);
    const int64_t id = start.json.at("update_id").as_int64();
    EXPECT_TRUE(co_await WaitForHits(2));
    if (hits_.size() < 2) co_return;
    for (const auto& h : hits_) {
      EXPECT_EQ(h.secret, "s3cret_-X");
      EXPECT_EQ(h.body.at("update_id").as_int64(), id);
      EXPECT_EQ(h.body.at("message").at("text").as_string(), "/start TOKEN123");
      EXPECT_EQ(h.body.at("message").at("chat").at("id").as_int64(), 1001);
      EXPECT_EQ(h.body.at("message").at("entities").at(0).at("type").as_string(), "bot_command");
    }
    co_await Sleep(50ms);  // let the emulator record the successful delivery
    auto info = co_await Bot("getWebhookInfo");
    EXPECT_EQ(info.json.at("result").at("last_error_message").as_string(),
              "Wrong response from the webhook: 502 Bad Gateway");
    EXPECT_EQ(info.json.at("result").at("pending_update_count").as_int64(), 0);
    auto stats = co_await Call("/control/stats", "", false);
    EXPECT_EQ(stats.json.at("webhook_delivered").as_int64(), 1);
    EXPECT_EQ(stats.json.at("webhook_failed").as_int64(), 1);

    // A redelivery arrives again with the same update_id.
    auto again = co_await Call("/control/redeliver", R"({"update_id":)" + std::to_string(id) + "}");
    EXPECT_EQ(again.status, 200u);
    EXPECT_TRUE(co_await WaitForHits(3));
    if (hits_.size() >= 3) {
      EXPECT_EQ(hits_[2].body.at("update_id").as_int64(), id);
    }

    // Block: a my_chat_member update, then sendMessage answers 403.
    co_await Call("/control/block", R"({"user_id":1001})");
    EXPECT_TRUE(co_await WaitForHits(4));
    if (hits_.size() >= 4) {
      EXPECT_EQ(hits_[3].body.at("my_chat_member").at("new_chat_member").at("status").as_string(), "kicked");
    }
    auto blocked = co_await Bot("sendMessage", R"({"chat_id":1001,"text":"hi"})");
    EXPECT_EQ(blocked.status, 403u);
    EXPECT_EQ(Desc(blocked), "Forbidden: bot was blocked by the user");
  });
}

TEST_F(EmulatorE2E, LongPollReturnsWhenAnUpdateArrives) {
  Run([&]() -> Awaitable<void> {
    EXPECT_EQ(Desc(co_await Bot("deleteWebhook")), "Webhook is already deleted");
    auto t0 = std::chrono::steady_clock::now();
    Answer polled;
    bool finished = false;
    asio::co_spawn(
        io_,
        [&]() -> Awaitable<void> {
          polled = co_await Bot("getUpdates", R"({"timeout":10})");
          finished = true;
        },
        asio::detached);
    co_await Sleep(100ms);
    EXPECT_FALSE(finished);
    co_await Call("/control/message", R"({"user_id":5,"text":"hello"})");
    for (int i = 0; i < 100 && !finished; ++i) co_await Sleep(10ms);
    EXPECT_TRUE(finished);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    EXPECT_EQ(polled.status, 200u);
    if (polled.status != 200) co_return;
    const auto& result = polled.json.at("result").as_array();
    EXPECT_EQ(result.size(), 1u);
    EXPECT_EQ(result.at(0).at("message").at("text").as_string(), "hello");
    // Confirming with offset empties the queue.
    auto next = co_await Bot(
        "getUpdates", R"({"offset":)" + std::to_string(result.at(0).at("update_id").as_int64() + 1) + "}");
    EXPECT_TRUE(next.json.at("result").as_array().empty());
  });
}

// A burst: "count" queues that many messages at once; getUpdates hands them
// out 100 at a time (Telegram's limit), in order; a bad count changes nothing.
TEST_F(EmulatorE2E, AMessageBurstIsPolledAHundredAtATime) {
  Run([&]() -> Awaitable<void> {
    auto bad = co_await Call("/control/message", R"({"user_id":5,"text":"x","count":0})");
    EXPECT_EQ(bad.status, 400u);
    auto burst = co_await Call("/control/message", R"({"user_id":5,"text":"hello","count":150})");
    EXPECT_EQ(burst.status, 200u);
    auto first = co_await Bot("getUpdates", R"({"timeout":0})");
    const auto& a = first.json.at("result").as_array();
    EXPECT_EQ(a.size(), 100u);
    if (a.size() != 100u) co_return;
    const int64_t id0 = a.at(0).at("update_id").as_int64();
    EXPECT_EQ(a.at(99).at("update_id").as_int64(), id0 + 99);
    auto rest = co_await Bot("getUpdates", R"({"offset":)" + std::to_string(id0 + 100) + "}");
    EXPECT_EQ(rest.json.at("result").as_array().size(), 50u);
    EXPECT_EQ(burst.json.at("update_id").as_int64(), id0 + 149);
  });
}

TEST_F(EmulatorE2E, SecondPollTerminatesTheFirst) {
  Run([&]() -> Awaitable<void> {
    Answer first;
    bool finished = false;
    asio::co_spawn(
        io_,
        [&]() -> Awaitable<void> {
          first = co_await Bot("getUpdates", R"({"timeout":10})");
          finished = true;
        },
        asio::detached);
    co_await Sleep(100ms);
    auto second = co_await Bot("getUpdates", R"({"timeout":0})");
    EXPECT_EQ(second.status, 200u);
    for (int i = 0; i < 100 && !finished; ++i) co_await Sleep(10ms);
    EXPECT_EQ(first.status, 409u);
    EXPECT_EQ(Desc(first),
              "Conflict: terminated by other getUpdates request; make sure that only one bot "
              "instance is running");
  });
}

TEST_F(EmulatorE2E, FaultsRateLimitsAndDrops) {
  Run([&]() -> Awaitable<void> {
    auto bad = co_await Call("/bot999:wrong/getMe", "", false);
    EXPECT_EQ(bad.status, 401u);
    EXPECT_EQ(Desc(bad), "Unauthorized");
    EXPECT_EQ(Desc(co_await Bot("NoSuchMethod")), "Not Found: method not found");
    auto me = co_await Bot("GETME");
    EXPECT_EQ(me.json.at("result").at("id").as_int64(), 123456);

    co_await Call("/control/faults", R"({"status":500,"count":1})");
    co_await Call("/control/faults", R"({"drop":1})");
    auto f500 = co_await Bot("sendMessage", R"({"chat_id":1,"text":"a"})");
    EXPECT_EQ(f500.status, 500u);
    auto dropped = co_await Bot("sendMessage", R"({"chat_id":1,"text":"a"})");
    EXPECT_TRUE(dropped.transport_error);
    EXPECT_EQ((co_await Bot("sendMessage", R"({"chat_id":1,"text":"a"})")).status, 200u);
    auto limited = co_await Bot("sendMessage", R"({"chat_id":1,"text":"b"})");
    EXPECT_EQ(limited.status, 429u);
    EXPECT_EQ(limited.json.at("parameters").at("retry_after").as_int64(), 1);

    co_await Call("/control/chat", R"({"chat_id":-100,"behavior":"migrate","migrate_to":-1000100})");
    auto migrated = co_await Bot("sendMessage", R"({"chat_id":"-100","text":"x"})");
    EXPECT_EQ(migrated.json.at("parameters").at("migrate_to_chat_id").as_int64(), -1000100);

    auto sent = co_await Call("/control/sent?chat_id=1", "", false);
    EXPECT_EQ(sent.json.at("messages").as_array().size(), 1u);
    // The Host header the sender used, so tests can tell senders apart.
    EXPECT_NE(std::string(sent.json.at("messages").at(0).at("host").as_string()).find(':'),
              std::string::npos);
    auto stats = co_await Call("/control/stats", "", false);
    EXPECT_EQ(stats.json.at("accepted").as_int64(), 1);
    EXPECT_EQ(stats.json.at("rate_limited").as_int64(), 1);
    EXPECT_EQ(stats.json.at("rate_limited_by").at("private_chat").as_int64(), 1);
    EXPECT_GT(stats.json.at("first_rate_limited_t_ms").as_int64(), 0);
    EXPECT_EQ(stats.json.at("faults").as_int64(), 2);
    co_await Call("/control/reset");
    stats = co_await Call("/control/stats", "", false);
    EXPECT_EQ(stats.json.at("accepted").as_int64(), 0);
    EXPECT_EQ((co_await Bot("sendMessage", R"({"chat_id":1,"text":"a"})")).status,
              200u);  // windows reset too
  });
}

TEST_F(EmulatorJitterE2E, EachRequestArrivesAfterItsTrip) {
  auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  Run([&]() -> Awaitable<void> {
    std::vector<int64_t> called;
    for (int i = 0; i < 3; ++i) {
      called.push_back(wall_ms());
      auto r = co_await Bot("sendMessage", R"({"chat_id":)" + std::to_string(10 + i) + R"(,"text":"j"})");
      EXPECT_EQ(r.status, 200u);
      EXPECT_GE(wall_ms() - called.back(), 40) << "answered before the request's trip";
    }
    auto sent = co_await Call("/control/sent", "", false);
    const auto& messages = sent.json.at("messages").as_array();
    EXPECT_EQ(messages.size(), 3u);
    for (size_t i = 0; i < std::min<size_t>(3, messages.size()); ++i) {
      // Arrival (what the flood limits see) is after the trip, not when it was sent.
      EXPECT_GE(messages[i].at("t_ms").as_int64() - called[i], 40) << i;
    }
  });
}

}  // namespace
}  // namespace tgate::emulator
