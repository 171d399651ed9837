// JsonLogFormatter through a real spdlog logger: every line is one JSON
// object boost::json parses, whatever the message holds.
#include "core/json_log_format.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace tgate {
namespace {

namespace json = boost::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class JsonLogFormat : public ::testing::Test {
 protected:
  JsonLogFormat()
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)),
        logger_(std::make_shared<spdlog::logger>("tgate", sink_)) {
    logger_->set_formatter(std::make_unique<JsonLogFormatter>());
    logger_->set_level(spdlog::level::trace);
  }
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(JsonLogFormat, EveryLineParsesWhateverTheMessageHolds) {
  const std::vector<std::string> hostile = {
      "plain",
      "a \"quoted\" word and a back\\slash",
      "two\nlines\r\nand a tab\t",
      std::string("a NUL \0 and \x01\x1f\x7f controls", 24),  // the literal's length, its NUL included
      "}{\"level\":\"fake\"} closing braces",
      "not UTF-8: \xff\xfe and a cut \xe2\x82",
      "UTF-8 is kept: \xc3\xa9 \xf0\x9f\x98\x80",
  };
  for (const auto& m : hostile) logger_->warn("{}", m);
  const auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), hostile.size()) << out_.str();
  for (size_t i = 0; i < lines.size(); ++i) {
    json::error_code ec;
    json::value v = json::parse(lines[i], ec);
    ASSERT_FALSE(ec) << lines[i] << ": " << ec.message();
    ASSERT_TRUE(v.is_object()) << lines[i];
    const auto& o = v.as_object();
    EXPECT_EQ(o.at("level").as_string(), "warning");
    EXPECT_EQ(o.at("logger").as_string(), "tgate");
    EXPECT_TRUE(o.contains("message")) << lines[i];
  }
  EXPECT_EQ(json::parse(lines[1]).at("message").as_string(), hostile[1]);
  EXPECT_EQ(json::parse(lines[2]).at("message").as_string(), hostile[2]);
  EXPECT_EQ(json::parse(lines[3]).at("message").as_string(), hostile[3]);
  EXPECT_EQ(json::parse(lines[5]).at("message").as_string(), "not UTF-8: \\xFF\\xFE and a cut \\xE2\\x82");
  EXPECT_EQ(json::parse(lines[6]).at("message").as_string(), hostile[6]);
}

TEST_F(JsonLogFormat, TimeIsIsoUtcAndTheBotIsNamedWhenTheLineSaysIt) {
  logger_->info("bot shop: sending paused for {} s", 5);
  logger_->error("tgate listening on 127.0.0.1:8080");
  const auto lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u);
  const auto first = json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("bot").as_string(), "shop");
  EXPECT_EQ(first.at("level").as_string(), "info");
  EXPECT_EQ(first.at("message").as_string(), "bot shop: sending paused for 5 s");
  const std::string time(first.at("time").as_string());
  // 2026-12-03T22:37:28.123Z
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[4], '-');
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time.back(), 'Z');
  const auto second = json::parse(lines[1]).as_object();
  EXPECT_FALSE(second.contains("bot"));
  EXPECT_EQ(second.at("level").as_string(), "error");
}

TEST(JsonLogLine, IsTheFormattersLineForAMessageWrittenPastTheLoggers) {
  const std::string line = JsonLogLine(spdlog::level::info, "tgate listening on 127.0.0.1:8080");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const auto o = json::parse(line).as_object();
  EXPECT_EQ(o.at("message").as_string(), "tgate listening on 127.0.0.1:8080");
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_FALSE(o.contains("logger"));
}

}  // namespace
}  // namespace tgate
