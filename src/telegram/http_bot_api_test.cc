// HttpBotApi against a real http::Server on 127.0.0.1 port 0. Every test runs
// its io_context with a deadline so a bug cannot hang the suite.
#include "telegram/http_bot_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/testing.h"
#include "http/server.h"
#include "http/testing.h"
#include "telegram/multipart.h"

namespace tgate::telegram {
namespace {

using namespace std::chrono_literals;
using http::testing::RunTest;

// Satisfies ValidateBotToken; obviously not a real token.
constexpr const char* kToken = "123456:TEST_fake_token_for_tests_only_xxxxxxxx";

struct Seen {
  std::string target;
  std::string content_type;
  std::string body;
};

// A fake Bot API answering every request with `status` and `body` (plus
// Retry-After when given), remembering the last request.
struct FakeTelegram {
  FakeTelegram(asio::io_context& ioc, unsigned status, std::string body, std::string retry_after = "")
      : server(ioc.get_executor(), http::ServerOptions{},
               [this, status, body, retry_after](http::Request req) -> Awaitable<http::Response> {
                 seen = {std::string(req.target()), std::string(req[bhttp::field::content_type]), req.body()};
                 http::Response res = http::JsonResponse(req, status, body);
                 if (!retry_after.empty()) res.set(bhttp::field::retry_after, retry_after);
                 co_return res;
               }) {}
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
  http::Server server;
  Seen seen;
};

HttpBotApiOptions Options(std::string base_url) {
  HttpBotApiOptions o;
  o.token = kToken;
  o.base_url = std::move(base_url);
  o.timeout = 5s;
  return o;
}

FormPart Part(std::string name, std::string value, std::string filename = "", std::string content_type = "") {
  FormPart p;
  p.name = std::move(name);
  p.value = std::move(value);
  p.filename = std::move(filename);
  p.content_type = std::move(content_type);
  return p;
}

TEST(HttpBotApi, InitRejectsBadTokenWithoutNamingIt) {
  asio::io_context ioc;
  HttpBotApiOptions o = Options("http://127.0.0.1:1");
  o.token = "123456:TEST-token-not-real";
  HttpBotApi api(ioc.get_executor(), o);
  Status s = api.Init();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message().find("TEST-token"), std::string::npos);
}

TEST(HttpBotApi, CallPostsJsonToTokenPathAndReturnsResult) {
  asio::io_context ioc;
  FakeTelegram tg(ioc, 200, R"({"ok":true,"result":{"message_id":77}})");
  ASSERT_OK(tg.server.Start());
  HttpBotApi api(ioc.get_executor(), Options(tg.BaseUrl() + "/prefix"));
  ASSERT_OK(api.Init());
  RunTest(ioc, &tg.server, [&]() -> Awaitable<void> {
    boost::json::object params{{"chat_id", 42}, {"text", "h\xC3\xA9llo"}};
    ApiResult r = co_await api.Call("sendMessage", params, 0ms);
    EXPECT_TRUE(r.ok()) << r.description;
    EXPECT_EQ(r.result.at("message_id").as_int64(), 77);
    EXPECT_EQ(tg.seen.target, std::string("/prefix/bot") + kToken + "/sendMessage");
    EXPECT_EQ(tg.seen.content_type, "application/json");
    EXPECT_EQ(boost::json::parse(tg.seen.body), boost::json::value(params));
  });
}

// A body written by the caller goes as it is; the default CallJson (what a
// scripted fake gets) reads it back into the object Call takes, and refuses
// what is not one.
TEST(HttpBotApi, CallJsonPostsTheBodyAsItIsAndTheDefaultReadsItBack) {
  asio::io_context ioc;
  FakeTelegram tg(ioc, 200, R"({"ok":true,"result":{"message_id":78}})");
  ASSERT_OK(tg.server.Start());
  HttpBotApi api(ioc.get_executor(), Options(tg.BaseUrl()));
  ASSERT_OK(api.Init());
  struct Recording final : BotApi {
    Awaitable<ApiResult> Call(std::string method, boost::json::object params, std::chrono::milliseconds,
                              ResultUse) override {
      calls.emplace_back(std::move(method), std::move(params));
      co_return ApiResult{};  // ok
    }
    Awaitable<ApiResult> CallMultipart(std::string, std::vector<FormPart>) override { co_return ApiResult{}; }
    std::vector<std::pair<std::string, boost::json::object>> calls;
  } recording;
  RunTest(ioc, &tg.server, [&]() -> Awaitable<void> {
    const std::string body = R"({"chat_id":42,"text":"a \"b\""})";
    ApiResult r = co_await api.CallJson("sendMessage", body, 0ms, ResultUse::kMessageId);
    EXPECT_TRUE(r.ok()) << r.description;
    EXPECT_EQ(tg.seen.body, body);
    EXPECT_EQ(tg.seen.target, std::string("/bot") + kToken + "/sendMessage");

    co_await recording.CallJson("sendMessage", body);
    EXPECT_EQ(recording.calls.size(), 1u);
    if (!recording.calls.empty()) {
      EXPECT_EQ(recording.calls[0].first, "sendMessage");
      EXPECT_EQ(boost::json::value(recording.calls[0].second), boost::json::parse(body));
    }
    for (const char* bad : {"[1]", "{", ""}) {
      ApiResult refused = co_await recording.CallJson("sendMessage", bad);
      EXPECT_EQ(refused.kind, ErrorKind::kBadRequest) << bad;
    }
    EXPECT_EQ(recording.calls.size(), 1u);
  });
}

TEST(HttpBotApi, TooManyRequestsIsClassifiedWithRetryAfter) {
  asio::io_context ioc;
  FakeTelegram tg(
      ioc, 429,
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}})",
      "9");
  ASSERT_OK(tg.server.Start());
  HttpBotApi api(ioc.get_executor(), Options(tg.BaseUrl()));
  ASSERT_OK(api.Init());
  RunTest(ioc, &tg.server, [&]() -> Awaitable<void> {
    boost::json::object params{{"chat_id", 1}, {"text", "x"}};
    ApiResult r = co_await api.Call("sendMessage", params, 0ms);
    EXPECT_EQ(r.kind, ErrorKind::kRetryAfter);
    EXPECT_EQ(r.retry_after, 9);
    EXPECT_EQ(r.http_status, 429u);
  });
}

TEST(HttpBotApi, CallMultipartSendsTheCertificateAsAFilePart) {
  asio::io_context ioc;
  FakeTelegram tg(ioc, 200, R"({"ok":true,"result":true,"description":"Webhook was set"})");
  ASSERT_OK(tg.server.Start());
  HttpBotApi api(ioc.get_executor(), Options(tg.BaseUrl()));
  ASSERT_OK(api.Init());
  RunTest(ioc, &tg.server, [&]() -> Awaitable<void> {
    std::vector<FormPart> parts = {
        Part("url", "https://example.com/tg/hook"),
        Part("certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "cert.pem",
             "application/x-pem-file")};
    ApiResult r = co_await api.CallMultipart("setWebhook", parts);
    EXPECT_TRUE(r.ok()) << r.description;
    EXPECT_EQ(tg.seen.target, std::string("/bot") + kToken + "/setWebhook");
    const std::string prefix = "multipart/form-data; boundary=";
    EXPECT_EQ(tg.seen.content_type.rfind(prefix, 0), 0u) << tg.seen.content_type;
    if (tg.seen.content_type.rfind(prefix, 0) != 0) co_return;
    std::string boundary = tg.seen.content_type.substr(prefix.size());
    EXPECT_EQ(tg.seen.body, MultipartBody(parts, boundary));
    EXPECT_NE(
        tg.seen.body.find("Content-Disposition: form-data; name=\"certificate\"; filename=\"cert.pem\"\r\n"
                          "Content-Type: application/x-pem-file\r\n\r\n-----BEGIN CERTIFICATE-----"),
        std::string::npos);
    EXPECT_NE(tg.seen.body.find("name=\"url\"\r\n\r\nhttps://example.com/tg/hook\r\n"), std::string::npos);
  });
}

TEST(HttpBotApi, RefusedConnectionIsNetworkFailureWithoutToken) {
  asio::io_context ioc;
  uint16_t port;
  {
    // Find a free port, then close it so connecting is refused.
    asio::ip::tcp::acceptor probe(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  HttpBotApi api(ioc.get_executor(), Options("http://127.0.0.1:" + std::to_string(port)));
  ASSERT_OK(api.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    ApiResult r = co_await api.Call("getMe", {}, 2000ms);
    EXPECT_EQ(r.kind, ErrorKind::kNetwork);
    EXPECT_EQ(r.http_status, 0u);
    EXPECT_FALSE(r.description.empty());
    EXPECT_EQ(r.description.find("TEST_fake"), std::string::npos) << r.description;
  });
}

TEST(HttpBotApi, RejectsMethodNamesThatWouldChangeThePath) {
  asio::io_context ioc;
  HttpBotApi api(ioc.get_executor(), Options("http://127.0.0.1:1"));
  ASSERT_OK(api.Init());
  RunTest(ioc, nullptr, [&]() -> Awaitable<void> {
    ApiResult r = co_await api.Call("../getMe", {}, 1000ms);
    EXPECT_EQ(r.kind, ErrorKind::kBadRequest);
    EXPECT_EQ((co_await api.CallMultipart("a?b=1", {})).kind, ErrorKind::kBadRequest);
  });
}

TEST(Multipart, EncodesFieldsAndFilesAndNeutralisesQuotes) {
  std::vector<FormPart> parts = {Part("a\"b", "v1"), Part("f", "bin", "x\r\n.pem")};
  EXPECT_EQ(MultipartBody(parts, "BND"),
            "--BND\r\nContent-Disposition: form-data; name=\"a%22b\"\r\n\r\nv1\r\n"
            "--BND\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x  .pem\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\nbin\r\n"
            "--BND--\r\n");
  std::string b1 = PickBoundary(parts), b2 = PickBoundary(parts);
  EXPECT_NE(b1, b2);
  EXPECT_EQ(b1.rfind("tgate-", 0), 0u);
  EXPECT_EQ(b1.size(), 30u);
}

}  // namespace
}  // namespace tgate::telegram
