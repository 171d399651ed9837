#include "status/status_endpoint.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/await_test_util.h"
#include "status/basic_auth.h"

namespace tgate::status {
namespace {

namespace bhttp = boost::beast::http;

class StatusEndpointTest : public ::testing::Test {
 protected:
  StatusEndpointTest()
      : endpoint_("the-key", [this]() -> Awaitable<StatusSnapshot> {
          ++gathered_;
          StatusSnapshot s;
          s.version = "9.9.9";
          BotStatus b;
          b.name = "bot</script><b>";
          s.bots.push_back(b);
          co_return s;
        }) {}

  http::Response Get(std::string_view path, std::string authorization = "") {
    http::Request req{bhttp::verb::get, std::string(path), 11};
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    return testing::RunAwait(io_, endpoint_.Handle(req, path));
  }

  asio::io_context io_;
  int gathered_ = 0;
  StatusEndpoint endpoint_;
};

TEST_F(StatusEndpointTest, WithoutCredentialsAsksForBasic) {
  http::Response res = Get("/status");
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res[bhttp::field::www_authenticate], kBasicChallenge);
  EXPECT_NE(res.body().find("API key as the password"), std::string::npos);
  EXPECT_EQ(gathered_, 0);
}

TEST_F(StatusEndpointTest, AWrongPasswordIsRefused) {
  http::Response res = Get("/status.json", "Basic dXNlcjp3cm9uZw==");  // user:wrong
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(gathered_, 0);
}

TEST_F(StatusEndpointTest, TheRightPasswordGetsThePageAndTheJson) {
  http::Response page = Get("/status", "Basic dXNlcjp0aGUta2V5");  // user:the-key
  EXPECT_EQ(page.result_int(), 200);
  EXPECT_EQ(page[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(page.body().find("9.9.9"), std::string::npos);
  // A name holding "</script>" cannot end the embedded JSON early.
  EXPECT_EQ(page.body().find("bot</script>"), std::string::npos);
  EXPECT_NE(page.body().find("bot<\\/script>"), std::string::npos);
  EXPECT_EQ(page.body().find("src=\"http"), std::string::npos);  // nothing external

  http::Response json = Get("/status.json", "Basic dXNlcjp0aGUta2V5");
  EXPECT_EQ(json.result_int(), 200);
  auto v = boost::json::parse(json.body());
  EXPECT_EQ(v.at("version"), "9.9.9");
  EXPECT_EQ(gathered_, 2);
}

}  // namespace
}  // namespace tgate::status
