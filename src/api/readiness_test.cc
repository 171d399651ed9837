#include "api/readiness.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tgate::api {
namespace {

namespace json = boost::json;

TEST(Readiness, ReadyWhenEveryBotReachesTelegramAndTheDatabaseTakesWrites) {
  const auto v = JudgeReadiness({{"default", false, true, ""}, {"news", false, true, ""}}, Status::Ok());
  EXPECT_EQ(v.status, 200u);
  EXPECT_EQ(v.body, R"({"status":"ready"})");
}

TEST(Readiness, NamesEachBotThatIsNotReadyAndWhy) {
  const auto v = JudgeReadiness({{"default", true, true, ""},
                                 {"news", false, false, "Unauthorized"},
                                 {"shop", false, false, ""},
                                 {"ok", false, true, ""}},
                                Status::Ok());
  EXPECT_EQ(v.status, 503u);
  const json::object body = json::parse(v.body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "not_ready");
  const json::object& bots = body.at("bots").as_object();
  EXPECT_EQ(bots.size(), 3u);
  EXPECT_NE(std::string(bots.at("default").as_string()).find("Telegram cannot be reached"),
            std::string::npos);
  EXPECT_EQ(bots.at("news").as_string(), "getMe failed: Unauthorized");
  EXPECT_NE(std::string(bots.at("shop").as_string()).find("not answered yet"), std::string::npos);
  EXPECT_EQ(body.at("bots_in_outage"), json::array{"default"});
  EXPECT_FALSE(body.contains("database"));
}

TEST(Readiness, ADatabaseThatTakesNoWritesIsNotReady) {
  const auto v = JudgeReadiness({{"default", false, true, ""}},
                                Status::Unavailable("a write did not complete within 1000 ms"));
  EXPECT_EQ(v.status, 503u);
  const json::object body = json::parse(v.body).as_object();
  EXPECT_EQ(body.at("database").as_string(), "not writable: a write did not complete within 1000 ms");
  EXPECT_FALSE(body.contains("bots"));
}

}  // namespace
}  // namespace tgate::api
