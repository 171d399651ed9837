// The site API and webhook routing as pure request -> response, over a real
// SQLite store in memory and a fake clock. No sockets.
#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>
#include <optional>
#include <sstream>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::api {
namespace {

using store::testing::Await;

namespace json = boost::json;

constexpr char kKey[] = "test-key";

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.api_key = kKey;
    config::BotConfig bot;
    bot.token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx";
    bot.webhook_path = "hookpath";
    bot.webhook_secret = "hooksecret";
    config_.bots.push_back(bot);
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
    linker_ = std::make_unique<link::Linker>(*store_, clock_);
    context_ = std::make_unique<ApiContext>(
        ApiContext{config_, *store_, *store_, *store_, *linker_, clock_, metrics_, {}});
    context_->bots["default"] = BotHandle{&config_.bots[0], "test_bot", [this] { ++notified_; }};
    receiver_ = std::make_unique<webhook::UpdateReceiver>(
        *store_, metrics_,
        std::vector<webhook::HookBot>{{"default", "hookpath", "hooksecret", [this] { ++updates_; }}});
    router_ = std::make_unique<Router>(*context_, *receiver_);
  }

  http::Response Call(boost::beast::http::verb method, const std::string& target,
                      const std::string& body = "", bool auth = true) {
    http::Request req{method, target, 11};
    if (auth) req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kKey);
    req.body() = body;
    req.prepare_payload();
    last_ = Await(router_->Handle(req));
    return last_;
  }
  // A POST with an Idempotency-Key header.
  http::Response PostWithKey(const std::string& target, const std::string& key, const std::string& body) {
    http::Request req{boost::beast::http::verb::post, target, 11};
    req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kKey);
    req.set("Idempotency-Key", key);
    req.body() = body;
    req.prepare_payload();
    last_ = Await(router_->Handle(req));
    return last_;
  }
  json::object Json() { return json::parse(last_.body()).as_object(); }
  std::string ErrorCode() { return std::string(Json().at("error").at("code").as_string()); }

  void Link(const std::string& user, int64_t chat) {
    ASSERT_OK(Await(store_->Bind({"default", user, chat, store::UserStatus::kActive, 0})));
  }

  FakeClock clock_;
  Metrics metrics_;
  config::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<webhook::UpdateReceiver> receiver_;
  std::unique_ptr<Router> router_;
  http::Response last_;
  int notified_ = 0, updates_ = 0;
};

using boost::beast::http::verb;

TEST_F(RouterTest, ApiNeedsTheBearerKey) {
  EXPECT_EQ(Call(verb::post, "/v1/links", R"({"user":"1"})", false).result_int(), 401);
  EXPECT_EQ(ErrorCode(), "unauthenticated");
  EXPECT_EQ(Call(verb::get, "/healthz", "", false).result_int(), 200);
}

TEST_F(RouterTest, CreatesALink) {
  ASSERT_EQ(Call(verb::post, "/v1/links", R"({"user":"42","ttl_seconds":60})").result_int(), 201);
  auto o = Json();
  std::string token(o.at("token").as_string());
  EXPECT_EQ(o.at("url").as_string(), "https://t.me/test_bot?start=" + token);
  EXPECT_EQ(o.at("start_command").as_string(), "/start " + token);
  EXPECT_EQ(o.at("expires_at").as_int64(), clock_.UnixSeconds() + 60);
}

TEST_F(RouterTest, LinkRequestsAreValidated) {
  EXPECT_EQ(Call(verb::post, "/v1/links", R"({})").result_int(), 400);
  EXPECT_EQ(Call(verb::post, "/v1/links", R"({"user":"1","ttl_seconds":1})").result_int(), 400);
  EXPECT_EQ(Call(verb::post, "/v1/links", R"({"user":"1","bot":"other"})").result_int(), 404);
  EXPECT_EQ(Call(verb::post, "/v1/links", "{\"user\":\"\xc3\x28\"}").result_int(), 400);
}

TEST_F(RouterTest, CreatesALinkWithItsQrCode) {
  ASSERT_EQ(Call(verb::post, "/v1/links", R"({"user":"42","qr":"svg"})").result_int(), 201);
  auto o = Json();
  ASSERT_TRUE(o.contains("qr_svg"));
  std::string svg(o.at("qr_svg").as_string());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  ASSERT_EQ(Call(verb::post, "/v1/links", R"({"user":"42"})").result_int(), 201);
  EXPECT_FALSE(Json().contains("qr_svg"));
}

TEST_F(RouterTest, AnotherQrFormatIsRefusedAndIssuesNoToken) {
  ASSERT_EQ(Call(verb::post, "/v1/links", R"({"user":"1"})").result_int(), 201);
  for (const char* body : {R"({"user":"1","qr":"png"})", R"({"user":"1","qr":1})"}) {
    EXPECT_EQ(Call(verb::post, "/v1/links", body).result_int(), 400) << body;
    EXPECT_EQ(ErrorCode(), "invalid_argument");
    EXPECT_NE(std::string(Json().at("error").at("message").as_string()).find("'qr'"), std::string::npos);
  }
  // Only the first link was stored: pruning every token there is finds one.
  auto pruned = Await(store_->PruneLinkTokens(clock_.UnixSeconds() + 10 * 365 * 24 * 3600));
  ASSERT_OK(pruned);
  EXPECT_EQ(*pruned, 1);
}

TEST_F(RouterTest, SendsToALinkedUserDurablyAndIdempotently) {
  Link("42", 1001);
  ASSERT_EQ(Call(verb::post, "/v1/messages", R"({"user":"42","text":"hi","disable_notification":true})")
                .result_int(),
            202);
  int64_t id = Json().at("id").as_int64();
  EXPECT_EQ(notified_, 1);
  auto m = Await(store_->GetMessage(id));
  ASSERT_OK(m);
  EXPECT_EQ(m->chat_id, 1001);
  EXPECT_EQ(m->status, store::MessageStatus::kQueued);
  EXPECT_EQ(json::parse(m->options_json).at("disable_notification").as_bool(), true);

  http::Request req{verb::post, "/v1/messages", 11};
  req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kKey);
  req.set("Idempotency-Key", "k1");
  req.body() = R"({"user":"42","text":"once"})";
  req.prepare_payload();
  auto a = Await(router_->Handle(req));
  auto b = Await(router_->Handle(req));
  EXPECT_EQ(json::parse(a.body()).at("id"), json::parse(b.body()).at("id"));

  ASSERT_EQ(Call(verb::get, "/v1/messages/" + std::to_string(id)).result_int(), 200);
  EXPECT_EQ(Json().at("status").as_string(), "queued");
  EXPECT_EQ(Json().at("attempts").as_int64(), 0);
}

TEST_F(RouterTest, AnIdempotencyKeyReusedWithAnotherBodyIs422AndSendsNothing) {
  Link("42", 1001);
  ASSERT_EQ(PostWithKey("/v1/messages", "order-7", R"({"user":"42","text":"Order 7 shipped"})").result_int(),
            202);
  const int64_t id = Json().at("id").as_int64();
  EXPECT_EQ(notified_, 1);
  // The same request serialized otherwise (order, spacing, escapes, the
  // default bot named): a retry, answered with the first message.
  ASSERT_EQ(
      PostWithKey("/v1/messages", "order-7",
                  "{ \"text\": \"Order 7 shipped\",\n \"bot\": \"default\", \"user\": \"\\u0034\\u0032\" }")
          .result_int(),
      202);
  EXPECT_EQ(Json().at("id").as_int64(), id);
  EXPECT_EQ(Json().at("status").as_string(), "queued");
  // Another body with the same key: 422, and nothing queued.
  ASSERT_EQ(PostWithKey("/v1/messages", "order-7", R"({"user":"42","text":"Order 8 shipped"})").result_int(),
            422);
  EXPECT_EQ(ErrorCode(), "idempotency_key_reused");
  const std::string message(Json().at("error").at("message").as_string());
  EXPECT_NE(message.find("order-7"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(id)), std::string::npos) << message;
  EXPECT_EQ(PostWithKey("/v1/messages", "order-7",
                        R"({"user":"42","text":"Order 7 shipped","protect_content":true})")
                .result_int(),
            422);
  EXPECT_EQ(
      PostWithKey("/v1/messages", "order-7", R"({"chat_id":1001,"text":"Order 7 shipped"})").result_int(),
      422);
  auto queued = Await(store_->LoadQueued("default", store::Priority::kDirect, 0, 100));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ(queued->at(0).text, "Order 7 shipped");
  EXPECT_EQ(notified_, 1);
  // A new key is a new message.
  ASSERT_EQ(PostWithKey("/v1/messages", "order-8", R"({"user":"42","text":"Order 8 shipped"})").result_int(),
            202);
  EXPECT_NE(Json().at("id").as_int64(), id);
}

// Group commit: concurrent POST /v1/messages are stored in one batch, and
// each gets its own answer: new messages their own ids, a key replayed within
// the batch the first's id, a key reused with another body 422, an earlier
// key's retry the earlier message.
TEST_F(RouterTest, ConcurrentMessagesShareABatchAndEachGetsItsOwnAnswer) {
  Link("42", 1001);
  ASSERT_EQ(PostWithKey("/v1/messages", "before", R"({"user":"42","text":"before"})").result_int(), 202);
  const int64_t before_id = Json().at("id").as_int64();
  const size_t batches_before = context_->enqueue->batches();
  struct Req {
    std::string key, body;
  };
  std::vector<Req> reqs{
      {"a", R"({"user":"42","text":"A"})"},           {"b", R"({"chat_id":2002,"text":"B"})"},
      {"a", R"({"user":"42","text":"A"})"},         // a replay of a, same batch
      {"b", R"({"chat_id":2002,"text":"not B"})"},  // b reused: 422
      {"before", R"({"user":"42","text":"before"})"}, {"", R"({"user":"42","text":"no key"})"}};
  std::vector<http::Request> requests;
  for (const Req& r : reqs) {
    http::Request req{verb::post, "/v1/messages", 11};
    req.set(boost::beast::http::field::authorization, std::string("Bearer ") + kKey);
    if (!r.key.empty()) req.set("Idempotency-Key", r.key);
    req.body() = r.body;
    req.prepare_payload();
    requests.push_back(std::move(req));
  }
  std::vector<std::optional<http::Response>> answers(requests.size());
  auto& io = store::testing::TestIo();
  for (size_t i = 0; i < requests.size(); ++i) {
    asio::co_spawn(
        io, [&, i]() -> Awaitable<void> { answers[i] = co_await router_->Handle(requests[i]); },
        asio::detached);
  }
  io.restart();
  io.run();
  io.restart();
  for (auto& a : answers) ASSERT_TRUE(a.has_value());
  auto id = [&](size_t i) { return json::parse(answers[i]->body()).at("id").as_int64(); };
  EXPECT_EQ(answers[0]->result_int(), 202) << answers[0]->body();
  EXPECT_EQ(answers[1]->result_int(), 202) << answers[1]->body();
  EXPECT_EQ(answers[2]->result_int(), 202) << answers[2]->body();
  EXPECT_EQ(answers[3]->result_int(), 422) << answers[3]->body();
  EXPECT_EQ(answers[4]->result_int(), 202) << answers[4]->body();
  EXPECT_EQ(answers[5]->result_int(), 202) << answers[5]->body();
  EXPECT_EQ(id(2), id(0));
  EXPECT_NE(id(1), id(0));
  EXPECT_EQ(id(4), before_id);
  EXPECT_NE(id(5), id(0));
  EXPECT_NE(id(5), id(1));
  EXPECT_EQ(context_->enqueue->batches() - batches_before, 1u) << "one transaction for the new ones";
  EXPECT_EQ(Await(store_->GetMessage(id(1)))->text, "B");
  auto queued = Await(store_->LoadQueued("default", store::Priority::kDirect, 0, 100));
  ASSERT_OK(queued);
  EXPECT_EQ(queued->size(), 4u) << "before, A, B and the one without a key";
}

TEST_F(RouterTest, ARetryIsAnsweredWithTheFirstMessageAfterTheUserBlockedTheBot) {
  Link("42", 1001);
  const std::string body = R"({"user":"42","text":"hi"})";
  ASSERT_EQ(PostWithKey("/v1/messages", "k1", body).result_int(), 202);
  const int64_t id = Json().at("id").as_int64();
  ASSERT_OK(Await(store_->SetChatStatus("default", 1001, store::UserStatus::kBlocked)));
  ASSERT_EQ(PostWithKey("/v1/messages", "k1", body).result_int(), 202);
  EXPECT_EQ(Json().at("id").as_int64(), id);
  EXPECT_EQ(PostWithKey("/v1/messages", "k2", body).result_int(), 409);
}

TEST_F(RouterTest, IdempotencyKeysAreValidated) {
  Link("42", 1001);
  for (const std::string& bad : {std::string(256, 'k'), std::string("has space"), std::string("tab\tkey")}) {
    EXPECT_EQ(PostWithKey("/v1/messages", bad, R"({"user":"42","text":"hi"})").result_int(), 400) << bad;
    EXPECT_EQ(ErrorCode(), "invalid_argument");
    EXPECT_EQ(PostWithKey("/v1/broadcasts", bad, R"({"all":true,"text":"hi"})").result_int(), 400) << bad;
  }
  EXPECT_EQ(PostWithKey("/v1/messages", std::string(255, 'k'), R"({"user":"42","text":"hi"})").result_int(),
            202);
  EXPECT_EQ(Await(store_->LoadQueued("default", store::Priority::kDirect, 0, 100))->size(), 1u);
  EXPECT_EQ(Await(store_->LoadQueued("default", store::Priority::kBroadcast, 0, 100))->size(), 0u);
}

TEST_F(RouterTest, ABroadcastRetriedWithItsKeyIsMadeOnce) {
  for (int i = 1; i <= 3; ++i) Link("u" + std::to_string(i), i);
  const std::string body = R"({"users":["u1","u2","ghost"],"text":"news","spread_seconds":60})";
  ASSERT_EQ(PostWithKey("/v1/broadcasts", "campaign-1", body).result_int(), 202);
  const int64_t id = Json().at("id").as_int64();
  EXPECT_EQ(Json().at("total").as_int64(), 2);
  EXPECT_EQ(Json().at("skipped").as_int64(), 1);
  ASSERT_EQ(PostWithKey("/v1/broadcasts", "campaign-1", body).result_int(), 202);
  EXPECT_EQ(Json().at("id").as_int64(), id);
  EXPECT_EQ(Json().at("total").as_int64(), 2);
  EXPECT_EQ(Json().at("skipped").as_int64(), 1);
  // The same key with another body: 422, nothing made.
  ASSERT_EQ(PostWithKey("/v1/broadcasts", "campaign-1", R"({"all":true,"text":"news","spread_seconds":60})")
                .result_int(),
            422);
  EXPECT_EQ(ErrorCode(), "idempotency_key_reused");
  EXPECT_EQ(Call(verb::get, "/v1/broadcasts/" + std::to_string(id + 1)).result_int(), 404);
  EXPECT_EQ(Await(store_->LoadQueued("default", store::Priority::kBroadcast, 0, 100))->size(), 2u);
  // Keys of messages and of broadcasts do not collide.
  EXPECT_EQ(PostWithKey("/v1/messages", "campaign-1", R"({"user":"u1","text":"hi"})").result_int(), 202);
  // Without a key, the same body is a new broadcast each time.
  ASSERT_EQ(Call(verb::post, "/v1/broadcasts", body).result_int(), 202);
  EXPECT_NE(Json().at("id").as_int64(), id);
}

// Issue 14: the skipped recipients are named with why, and a replay of the
// key answers the same body.
TEST_F(RouterTest, ABroadcastNamesTheUsersItSkipped) {
  Link("u1", 1);
  Link("u2", 2);
  ASSERT_OK(Await(store_->SetChatStatus("default", 2, store::UserStatus::kBlocked)));
  const std::string body = R"({"users":["ghost","u1","u2","ghost"],"text":"news"})";
  ASSERT_EQ(PostWithKey("/v1/broadcasts", "campaign-9", body).result_int(), 202);
  const std::string first = last_.body();
  EXPECT_EQ(Json().at("total").as_int64(), 1);
  EXPECT_EQ(Json().at("skipped").as_int64(), 2);
  EXPECT_EQ(json::serialize(Json().at("skipped_users")),
            R"([{"user":"ghost","reason":"not_linked"},{"user":"u2","reason":"blocked"}])");
  ASSERT_EQ(PostWithKey("/v1/broadcasts", "campaign-9", body).result_int(), 202);
  EXPECT_EQ(last_.body(), first);
  const int64_t id = Json().at("id").as_int64();
  ASSERT_EQ(Call(verb::get, "/v1/broadcasts/" + std::to_string(id)).result_int(), 200);
  EXPECT_EQ(Json().at("skipped_users").as_array().size(), 2u);
  // A broadcast to all skips no one.
  ASSERT_EQ(Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"x"})").result_int(), 202);
  EXPECT_TRUE(Json().at("skipped_users").as_array().empty());
}

TEST_F(RouterTest, UnknownAndBlockedUsers) {
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"user":"nobody","text":"hi"})").result_int(), 404);
  Link("b", 7);
  ASSERT_OK(Await(store_->SetChatStatus("default", 7, store::UserStatus::kBlocked)));
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"user":"b","text":"hi"})").result_int(), 409);
  EXPECT_EQ(ErrorCode(), "conflict");
  EXPECT_EQ(notified_, 0);
}

// Entities are sent to Telegram as given: each needs a type and whole-number
// offset and length (a fuzzer's 5.3e81 did not survive being stored and read back).
TEST_F(RouterTest, EntitiesMustBeMessageEntities) {
  Link("42", 1001);
  EXPECT_EQ(Call(verb::post, "/v1/messages",
                 R"({"user":"42","text":"hello","entities":[{"type":"bold","offset":0,"length":5}]})")
                .result_int(),
            202);
  for (const char* bad :
       {R"([{"type":"bold","offset":0,"length":5333333333333333333333333333333}])",
        R"([{"type":"bold","offset":0.5,"length":2}])", R"([{"type":"bold","ot":0,"length":2}])",
        R"([{"offset":0,"length":2}])", R"([{"type":"bold","offset":-1,"length":2}])", R"([7])",
        R"([{"type":"text_link","offset":0,"length":2,"url":"https://x","n":1.5}])"}) {
    EXPECT_EQ(Call(verb::post, "/v1/messages",
                   std::string(R"({"user":"42","text":"hello","entities":)") + bad + "}")
                  .result_int(),
              400)
        << bad;
    EXPECT_EQ(ErrorCode(), "invalid_argument") << bad;
  }
}

TEST_F(RouterTest, TextRules) {
  Link("42", 1001);
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"user":"42","text":"   "})").result_int(), 400);
  EXPECT_EQ(
      Call(verb::post, "/v1/messages", R"({"user":"42","text":"<i>x","parse_mode":"HTML"})").result_int(),
      422);
  std::string long_plain(5000, 'x');
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"user":"42","text":")" + long_plain + R"("})").result_int(),
            202);
  EXPECT_EQ(Call(verb::post, "/v1/messages",
                 R"({"user":"42","parse_mode":"HTML","text":"<b>)" + long_plain + R"(</b>"})")
                .result_int(),
            422);
  // 4096 visible characters wrapped in markup are fine.
  EXPECT_EQ(Call(verb::post, "/v1/messages",
                 R"({"user":"42","parse_mode":"HTML","text":"<b>)" + std::string(4096, 'y') + R"(</b>"})")
                .result_int(),
            202);
  EXPECT_EQ(Call(verb::post, "/v1/messages", R"({"user":"42","text":"x","reply_markup":5})").result_int(),
            400);
  // Found by fuzz/message_request_fuzzer: 1e999 would be stored in the options
  // as `Infinity` (not JSON) and sent to Telegram as such.
  EXPECT_EQ(Call(verb::post, "/v1/messages",
                 R"({"user":"42","text":"x","reply_markup":{"inline_keyboard":[],"x":1e999}})")
                .result_int(),
            400);
  EXPECT_EQ(
      Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"x","link_preview_options":{"a":-2e400}})")
          .result_int(),
      400);
}

TEST_F(RouterTest, BroadcastLifecycle) {
  for (int i = 1; i <= 5; ++i) Link("u" + std::to_string(i), i);
  ASSERT_EQ(Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"news"})").result_int(), 202);
  int64_t id = Json().at("id").as_int64();
  EXPECT_EQ(Json().at("total").as_int64(), 5);
  ASSERT_EQ(Call(verb::get, "/v1/broadcasts/" + std::to_string(id)).result_int(), 200);
  EXPECT_EQ(Json().at("pending").as_int64(), 5);
  ASSERT_EQ(Call(verb::delete_, "/v1/broadcasts/" + std::to_string(id)).result_int(), 200);
  EXPECT_EQ(Json().at("cancelled").as_int64(), 5);
  EXPECT_EQ(Json().at("status").as_string(), "cancelled");

  ASSERT_EQ(Call(verb::post, "/v1/broadcasts", R"({"users":["u1","ghost"],"text":"x"})").result_int(), 202);
  EXPECT_EQ(Json().at("total").as_int64(), 1);
  EXPECT_EQ(Json().at("skipped").as_int64(), 1);
  EXPECT_EQ(Call(verb::post, "/v1/broadcasts", R"({"text":"x"})").result_int(), 400);
  EXPECT_EQ(Call(verb::post, "/v1/broadcasts", R"({"all":true,"text":"x","spread_seconds":-1})").result_int(),
            400);
  EXPECT_EQ(Call(verb::get, "/v1/broadcasts/999").result_int(), 404);
}

TEST_F(RouterTest, UsersCanBeReadAndUnlinked) {
  Link("42", 1001);
  ASSERT_EQ(Call(verb::get, "/v1/users/42").result_int(), 200);
  EXPECT_EQ(Json().at("chat_id").as_int64(), 1001);
  EXPECT_EQ(Json().at("status").as_string(), "active");
  const int notified = notified_;
  EXPECT_EQ(Call(verb::delete_, "/v1/users/42").result_int(), 204);
  // user.unlinked is in the outbox: the events sender is woken at once, not
  // at its next poll (issue 14, item 9).
  EXPECT_EQ(notified_, notified + 1);
  EXPECT_EQ(Call(verb::get, "/v1/users/42").result_int(), 404);
  EXPECT_EQ(Call(verb::delete_, "/v1/users/42").result_int(), 404);
  EXPECT_EQ(notified_, notified + 1) << "woken for nothing";
  auto events = Await(store_->DueEvents(INT64_MAX, 10));
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_NE(events->at(0).payload.find("user.unlinked"), std::string::npos);
}

TEST_F(RouterTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(Call(verb::get, "/v1/nope").result_int(), 404);
  EXPECT_EQ(Call(verb::put, "/v1/links").result_int(), 405);
  EXPECT_EQ(Call(verb::get, "/elsewhere").result_int(), 404);
}

// The endpoints outside /v1 answer GET only: a POST /metrics is refused with
// a 405 naming GET, not served (nor does it refresh the figures).
TEST_F(RouterTest, OperationalEndpointsAnswerGetOnly) {
  for (const char* path : {"/healthz", "/metrics", "/readyz", "/openapi.json"}) {
    for (verb method : {verb::post, verb::delete_, verb::put}) {
      http::Response r = Call(method, path, "{}", false);
      EXPECT_EQ(r.result_int(), 405) << path;
      EXPECT_EQ(r[boost::beast::http::field::allow], "GET") << path;
      EXPECT_EQ(ErrorCode(), "invalid_argument") << path;
    }
    EXPECT_NE(Call(verb::get, path, "", false).result_int(), 405) << path;
  }
}

// The 405 answer's bytes, as clients have always seen them (status 405, the
// error shape with the word "invalid_argument").
TEST_F(RouterTest, MethodNotAllowedAnswersTheSameBytes) {
  http::Response r = Call(verb::put, "/v1/links");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r.body(),
            R"({"error":{"code":"invalid_argument","message":"method not allowed on this resource"}})");
  EXPECT_EQ(r[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(r.count(boost::beast::http::field::www_authenticate), 0u);
  // Byte for byte what the router sent before 405 was a Status code.
  std::ostringstream wire;
  wire << r;
  EXPECT_EQ(wire.str(),
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: 85\r\n\r\n"
            R"({"error":{"code":"invalid_argument","message":"method not allowed on this resource"}})");
}

TEST_F(RouterTest, WebhookIsAuthenticatedStoredAndDeduplicated) {
  const std::string update =
      R"({"update_id":10,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"text":"hi"}})";
  auto hook = [&](const std::string& path, const std::string& secret, const std::string& body) {
    http::Request req{verb::post, "/hooks/telegram/" + path, 11};
    if (!secret.empty()) req.set("X-Telegram-Bot-Api-Secret-Token", secret);
    req.body() = body;
    req.prepare_payload();
    return Await(router_->Handle(req)).result_int();
  };
  EXPECT_EQ(hook("hookpath", "wrong", update), 401u);
  EXPECT_EQ(hook("wrongpath", "hooksecret", update), 404u);
  EXPECT_EQ(updates_, 0);
  EXPECT_EQ(hook("hookpath", "hooksecret", update), 200u);
  EXPECT_EQ(hook("hookpath", "hooksecret", update), 200u);
  EXPECT_EQ(updates_, 1);
  EXPECT_EQ(hook("hookpath", "hooksecret", "garbage"), 200u);  // acknowledged, not stored
  auto pending = Await(store_->PendingUpdates("default", 10));
  ASSERT_OK(pending);
  EXPECT_EQ(pending->size(), 1u);
  // The path as it came decides (with a query too); a target not well formed gets its 400.
  EXPECT_EQ(hook("hookpath?x=1", "hooksecret", update), 200u);
  EXPECT_EQ(hook("hook%70ath", "hooksecret", update), 404u);
  EXPECT_EQ(hook("hookpath%zz", "hooksecret", update), 400u);
  EXPECT_EQ(hook("hookpath#", "hooksecret", update), 400u);  // found by fuzz/http_request_fuzzer
  EXPECT_EQ(hook("hookpath?%zz", "hooksecret", update), 400u);
  EXPECT_EQ(updates_, 1);
}

}  // namespace
}  // namespace tgate::api
