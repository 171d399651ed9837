// Bad input gets a clear 4xx with a JSON error, changes nothing, and the server
// stays up; the webhook is authenticated and deduplicated.
#include <gtest/gtest.h>

#include <thread>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class BadInput : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    StartEmulator();
    StartTgate();
  }
  void ExpectError(const HttpAnswer& a, int status, const std::string& code) {
    EXPECT_EQ(a.status, status) << a.body;
    ASSERT_TRUE(a.obj().contains("error")) << a.body;
    EXPECT_EQ(a.obj().at("error").at("code").as_string(), code) << a.body;
    EXPECT_FALSE(a.obj().at("error").at("message").as_string().empty());
  }
};

TEST_F(BadInput, SiteApiRequiresTheKey) {
  ExpectError(TgateCall(tgate_port_, "POST", "/v1/links", R"({"user":"1"})"), 401, "unauthenticated");
  ExpectError(Api("POST", "/v1/links", R"({"user":"1"})", {{"Authorization", "Bearer wrong"}}), 401,
              "unauthenticated");
}

TEST_F(BadInput, MalformedBodies) {
  ExpectError(Api("POST", "/v1/links", "not json"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", "[1,2]"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", ""), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", "{\"user\":\"\xff\xfe\"}"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", R"({"user":""})"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", R"({"user":")" + std::string(129, 'x') + R"("})"), 400,
              "invalid_argument");
  ExpectError(Api("POST", "/v1/links", R"({"user":"1","colour":"red"})"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/links", R"({"user":1})"), 400, "invalid_argument");
}

TEST_F(BadInput, OversizedBodyIsRefused) {
  std::string big = R"({"user":"1","text":")" + std::string(2 << 20, 'x') + R"("})";
  auto a = Api("POST", "/v1/messages", big);
  EXPECT_EQ(a.status, 413) << a.error;
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);
}

TEST_F(BadInput, MessagesAreValidated) {
  LinkUser("42", 1001);
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1001).size() == 1; }));  // the welcome
  ExpectError(Api("POST", "/v1/messages", R"({"user":"nobody","text":"x"})"), 404, "not_found");
  ExpectError(Api("POST", "/v1/messages", R"({"user":"42","text":""})"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/messages", R"({"user":"42"})"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/messages", R"({"text":"x"})"), 400, "invalid_argument");
  ExpectError(Api("POST", "/v1/messages", R"({"user":"42","chat_id":5,"text":"x"})"), 400,
              "invalid_argument");
  ExpectError(Api("POST", "/v1/messages", R"({"user":"42","text":"<b>x","parse_mode":"HTML"})"), 422,
              "unprocessable");
  ExpectError(Api("POST", "/v1/messages",
                  R"({"user":"42","parse_mode":"HTML","text":")" + std::string(5000, 'x') + R"("})"),
              422, "unprocessable");
  ExpectError(Api("POST", "/v1/messages", R"({"user":"42","text":"x","parse_mode":"Fancy"})"), 422,
              "unprocessable");
  ExpectError(Api("GET", "/v1/messages/abc"), 400, "invalid_argument");
  ExpectError(Api("GET", "/v1/messages/999999"), 404, "not_found");
  ExpectError(Api("GET", "/v1/nothing"), 404, "not_found");
  // Nothing was queued by any of these: only the welcome message went out.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(SentTexts(1001).size(), 1u);
}

TEST_F(BadInput, WebhookChecksPathAndSecret) {
  std::string update =
      R"({"update_id":900001,"message":{"message_id":1,"date":1,"chat":{"id":9,"type":"private"},"from":{"id":9,"is_bot":false,"first_name":"x"},"text":"hello"}})";
  ExpectError(Hook(update, "wrong-secret"), 401, "unauthenticated");
  ExpectError(Hook(update, ""), 401, "unauthenticated");
  ExpectError(Hook(update, kHookSecret, "not-the-path"), 404, "not_found");
  ExpectError(Hook(update, kHookSecret, std::string(kToken)), 404, "not_found");
  // None of them was stored: the first authenticated delivery is new.
  EXPECT_EQ(Hook(update).status, 200);
}

TEST_F(BadInput, MalformedUpdateIsAcknowledged) {
  EXPECT_EQ(Hook("this is not json").status, 200);
  EXPECT_EQ(Hook(R"({"no_update_id":true})").status, 200);
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);
}

TEST_F(BadInput, DuplicatedUpdateIsProcessedOnce) {
  auto link = Api("POST", "/v1/links", R"({"user":"dup"})");
  auto start = Emu("POST", "/control/start", R"({"user_id":1234,"payload":")" + link.Str("token") + R"("})");
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1234).size() == 1; }));
  // Telegram delivers the same update again (e.g. our 200 was lost).
  ASSERT_EQ(
      Emu("POST", "/control/redeliver", R"({"update_id":)" + std::to_string(start.Int("update_id")) + "}")
          .status,
      200);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Processed twice, it would have found the token used and replied "expired".
  EXPECT_EQ(SentTexts(1234).size(), 1u);
}

TEST_F(BadInput, MetricsAndHealthAreServedWithoutTheToken) {
  auto m = TgateCall(tgate_port_, "GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("tgate_"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE tgate_dispatch_in_flight gauge"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("tgate_queue_pending{bot=\"default\"} 0"), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find(kTokenSecretPart), std::string::npos);
  EXPECT_EQ(TgateCall(tgate_port_, "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace tgate::itest
