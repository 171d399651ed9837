// log_format = "json" through the real binary: tgate serve started, a user
// linked, a message sent and a clean shutdown, and then every line it wrote
// (stdout and stderr) is one JSON object with time, level and message; the
// token appears in none (GatewayTest::TearDown checks every log).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

namespace json = boost::json;

class LogFormat : public GatewayTest {};

TEST_F(LogFormat, JsonMakesEveryLineOneJsonObject) {
  StartEmulator();
  StartTgate({.env = {{"TGATE_LOG_FORMAT", "json"}}});
  LinkUser("42", 1001);
  // Quotes, a newline and a control character in what may reach a log line.
  auto r = Api("POST", "/v1/messages", R"({"user":"42","text":"say \"hi\"\nnow\u0001"})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/messages/" + std::to_string(r.Int("id"))).Str("status") == "sent"; }));
  auto bad = Api("POST", "/v1/messages", R"({"user":"nobody\"","text":"x"})");
  EXPECT_EQ(bad.status, 404) << bad.body;
  ASSERT_EQ(StopTgate(), 0) << tgate_->Stderr();

  int lines = 0;
  bool saw_start = false;
  for (const std::string& text : {tgate_->Stdout(), tgate_->Stderr()}) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      ++lines;
      json::error_code ec;
      json::value v = json::parse(line, ec);
      ASSERT_FALSE(ec) << "not JSON: " << line;
      ASSERT_TRUE(v.is_object()) << line;
      const auto& o = v.as_object();
      for (const char* key : {"time", "level", "message"}) {
        ASSERT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " missing: " << line;
      }
      EXPECT_EQ(o.at("time").as_string().back(), 'Z') << line;
      if (o.at("message").as_string().find("tgate listening on") != json::string::npos) saw_start = true;
    }
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(saw_start);
}

TEST_F(LogFormat, AnUnknownFormatIsRefusedSayingWhichAreKnown) {
  auto run = RunTgate({"serve"}, {{"TGATE_BOT_TOKEN", kToken},
                                  {"TGATE_API_KEY", kApiKey},
                                  {"TGATE_LISTEN", "127.0.0.1:0"},
                                  {"TGATE_DB", dir_ + "/refused.db"},
                                  {"TGATE_LOG_FORMAT", "yaml"}});
  EXPECT_NE(run.code, 0);
  EXPECT_NE(run.err.find("log format 'yaml' (TGATE_LOG_FORMAT) is not one of text, json"), std::string::npos)
      << run.out << run.err;
}

}  // namespace
}  // namespace tgate::itest
