// A newcomer's first hour, through the real binary: configuration mistakes
// are refused naming the key (and the key that was meant), the README's own
// example is refused only for its placeholders, each saying what to put
// there; errors say what failed, where, and what to do (an address in use, a
// token of the wrong shape, a Bot API that cannot be reached, a wrong API
// key, a second bot's token); and `tgate --version` is the version that the
// startup line and /metrics show.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class FirstHour : public GatewayTest {
 protected:
  std::string WriteConfig(const std::string& text) {
    std::string path = dir_ + "/config-" + std::to_string(++configs_) + ".toml";
    std::ofstream(path) << text;
    return path;
  }
  // What serve needs to start against the emulator, in a private directory.
  std::map<std::string, std::string> ServeEnv() {
    return {{"TGATE_BOT_TOKEN", kToken},
            {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
            {"TGATE_API_KEY", kApiKey},
            {"TGATE_LISTEN", "127.0.0.1:0"},
            {"TGATE_DB", dir_ + "/first-hour.db"}};
  }
  int configs_ = 0;
};

// The ```toml block under "## Configuration" in README.md.
std::string ReadmeConfigExample() {
  std::ifstream in(std::string(TGATE_SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();
  size_t section = readme.find("\n## Configuration");
  if (section == std::string::npos) return "";
  size_t begin = readme.find("```toml\n", section);
  if (begin == std::string::npos) return "";
  begin += 8;
  size_t end = readme.find("```", begin);
  return end == std::string::npos ? "" : readme.substr(begin, end - begin);
}

TEST_F(FirstHour, AMisspeltKeyIsRefusedNamingItAndTheKeyMeant) {
  std::string config = WriteConfig("[[bots]]\nname = \"default\"\nlongpolling = true\n");
  auto [code, out] = RunTgate({"--config", config, "serve"}, ServeEnv()).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(
      out.find("unknown config key 'bots[0].longpolling' (line 3): did you mean 'bots[0].long_polling'?"),
      std::string::npos)
      << out;
  EXPECT_EQ(out.find("tgate listening"), std::string::npos) << out;

  // [bots.limit] used to be ignored while the log still said 30/s.
  config = WriteConfig("[[bots]]\nname = \"default\"\n[bots.limit]\nglobal_per_sec = 5\n");
  std::tie(code, out) = RunTgate({"--config", config, "serve"}, ServeEnv()).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("'bots[0].limit' (line 3): did you mean 'bots[0].limits'?"), std::string::npos) << out;

  config = WriteConfig("[[bots]]\nname = \"default\"\n[bots.limits]\nmax_in_flight = \"many\"\n");
  std::tie(code, out) = RunTgate({"--config", config, "serve"}, ServeEnv()).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("config key 'bots[0].limits.max_in_flight' must be a whole number, not a string"),
            std::string::npos)
      << out;
}

TEST_F(FirstHour, LogLevelsAnyCaseAreTakenAndUnknownOnesRefused) {
  auto [code, out] = RunTgate({"serve"},
                              [&] {
                                auto env = ServeEnv();
                                env["TGATE_LOG_LEVEL"] = "verbose";
                                return env;
                              }())
                         .Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("log level 'verbose' (TGATE_LOG_LEVEL) is not one of trace, debug, info, warn, error, "
                     "critical, off"),
            std::string::npos)
      << out;

  StartEmulator();
  StartTgate({.env = {{"TGATE_LOG_LEVEL", "INFO"}}});
  // INFO used to turn logging off: the info lines are there.
  EXPECT_NE((tgate_->Stdout() + tgate_->Stderr()).find("Telegram knows it as @"), std::string::npos)
      << tgate_->Stdout() << tgate_->Stderr();
}

TEST_F(FirstHour, TheReadmeExampleIsRefusedOnlyForItsPlaceholdersEachSayingWhatToPut) {
  const std::string example = ReadmeConfigExample();
  ASSERT_NE(example.find("[[bots]]"), std::string::npos) << "no config example found in README.md";
  const std::string config = WriteConfig(example);
  StartEmulator();
  // Only what the test needs to run here; every README placeholder stays.
  std::map<std::string, std::string> env{
      {"TGATE_LISTEN", "127.0.0.1:0"},
      {"TGATE_DB", dir_ + "/readme.db"},
      {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)}};
  // Each run names the next placeholder and what to do; the test does it.
  struct Step {
    std::string says;  // part of the refusal
    std::string variable, value;
  };
  const std::vector<Step> steps{
      {"the token of bots[0] ('default') (TGATE_BOT_TOKEN or bots[0].token) is not shaped like a bot token",
       "TGATE_BOT_TOKEN", kToken},
      {"bots[0].webhook_secret may contain only A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token): "
       "replace the README's placeholder; make one with `openssl rand -hex 32`",
       "TGATE_WEBHOOK_SECRET", kHookSecret},
      {"bots[0].public_url is the README's example (https://example.com)", "TGATE_PUBLIC_URL",
       "https://tgate.invalid"},
      {"api_key is still the README's placeholder \"change-me\": set a real key in TGATE_API_KEY or api_key, "
       "e.g. the output of `openssl rand -hex 32`",
       "TGATE_API_KEY", kApiKey},
      {"events_url is the README's example (https://example.com/tgate-events)", "TGATE_EVENTS_URL",
       "http://127.0.0.1:9/events"},
      {"events_secret is still the README's placeholder", "TGATE_EVENTS_SECRET", "hmac-key"},
  };
  for (const Step& step : steps) {
    auto [code, out] = RunTgate({"--config", config, "serve"}, env).Merged();
    EXPECT_NE(code, 0) << out;
    EXPECT_NE(out.find(step.says), std::string::npos) << "expected: " << step.says << "\ngot: " << out;
    EXPECT_EQ(out.find("unknown config key"), std::string::npos) << "every README key is known: " << out;
    env[step.variable] = step.value;
  }
  // With the placeholders replaced, the README's configuration serves.
  Process serve;
  ASSERT_TRUE(serve.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "--config", config, "serve"}, env,
                          dir_ + "/readme-serve"));
  EXPECT_TRUE(serve.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(15)))
      << serve.Stdout() << serve.Stderr();
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);
}

TEST_F(FirstHour, AnAddressInUseSaysSoAndTheSandboxHonoursTgateListen) {
  StartEmulator();
  StartTgate();
  const std::string taken = "127.0.0.1:" + std::to_string(tgate_port_);
  auto env = ServeEnv();
  env["TGATE_LISTEN"] = taken;
  auto [code, out] = RunTgate({"serve"}, env).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("cannot bind " + taken + ": Address already in use"), std::string::npos) << out;
  EXPECT_EQ(out.find("Success"), std::string::npos) << out;
  EXPECT_NE(out.find("TGATE_LISTEN"), std::string::npos) << out;

  // The sandbox listens where TGATE_LISTEN says (it used to take 8080 anyway).
  std::tie(code, out) =
      RunTgate({"sandbox", "--emulator-port", "0", "--db", dir_ + "/sandbox.db"}, {{"TGATE_LISTEN", taken}})
          .Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("cannot bind " + taken + ": Address already in use"), std::string::npos) << out;
}

TEST_F(FirstHour, LocalFailuresAreNotReportedAsTelegramsAnswers) {
  auto [code, out] = RunTgate({"me"}, {{"TGATE_BOT_TOKEN", "12345:short"}}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("nothing was sent: the token of bot 'default' is not shaped like a bot token"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("set TGATE_BOT_TOKEN"), std::string::npos) << out;
  EXPECT_EQ(out.find("Telegram answered"), std::string::npos) << out;

  // Port 1 on loopback: nothing listens there.
  std::tie(code, out) =
      RunTgate({"me"}, {{"TGATE_BOT_TOKEN", kToken}, {"TGATE_BOT_API_URL", "http://127.0.0.1:1"}}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("the call to the Bot API at http://127.0.0.1:1 failed here, Telegram did not answer: "
                     "cannot connect to 127.0.0.1:1: Connection refused"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("TGATE_BOT_API_URL"), std::string::npos) << out;
  EXPECT_EQ(out.find("Telegram answered"), std::string::npos) << out;

  std::tie(code, out) =
      RunTgate({"webhook", "info"}, {{"TGATE_BOT_TOKEN", kToken}, {"TGATE_BOT_API_URL", "htp:/x"}}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(
      out.find("failed here, Telegram did not answer: nothing was sent: api_url must start with http:// "
               "or https://"),
      std::string::npos)
      << out;
  EXPECT_EQ(out.find("Telegram answered"), std::string::npos) << out;
}

TEST_F(FirstHour, TheSecondBotsMissingTokenNamesItsOwnVariable) {
  const std::string config = WriteConfig("[[bots]]\nname = \"shop\"\n[[bots]]\nname = \"news\"\n");
  auto [code, out] =
      RunTgate({"--config", config, "serve"},
               {{"TGATE_BOT_TOKEN", kToken}, {"TGATE_API_KEY", kApiKey}, {"TGATE_LISTEN", "127.0.0.1:0"}})
          .Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("no bot token for bots[1] ('news'): set TGATE_BOT_TOKEN_NEWS"), std::string::npos)
      << out;
  std::tie(code, out) =
      RunTgate({"--config", config, "--bot", "news", "me"}, {{"TGATE_BOT_TOKEN", kToken}}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("bot 'news' has no token: set TGATE_BOT_TOKEN_NEWS"), std::string::npos) << out;
}

TEST_F(FirstHour, AWrongApiKeySaysWhichUrlAndWhereTheKeyComesFrom) {
  StartEmulator();
  StartTgate();
  const std::string base = "http://127.0.0.1:" + std::to_string(tgate_port_);
  auto [code, out] = RunTgate({"link", "42", "--url", base}, {{"TGATE_API_KEY", "not-the-key"}}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("tgate at " + base + " answered 401 to POST /v1/links"), std::string::npos) << out;
  EXPECT_NE(out.find("TGATE_API_KEY"), std::string::npos) << out;
  EXPECT_EQ(out.find("not-the-key"), std::string::npos) << "never the key: " << out;
}

TEST_F(FirstHour, TheVersionIsTheSameOnTheCommandLineInTheLogAndOnMetrics) {
  auto [code, out] = RunTgate({"--version"}).Merged();
  ASSERT_EQ(code, 0) << out;
  ASSERT_EQ(out.rfind("tgate ", 0), 0u) << out;
  std::string version = out.substr(6);
  while (!version.empty() && (version.back() == '\n' || version.back() == ' ')) version.pop_back();
  ASSERT_FALSE(version.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(version[0]))) << version;

  StartEmulator();
  StartTgate();
  EXPECT_NE((tgate_->Stdout() + tgate_->Stderr()).find("tgate " + version + " starting"), std::string::npos)
      << tgate_->Stdout() << tgate_->Stderr();
  auto metrics = Api("GET", "/metrics");
  EXPECT_NE(metrics.body.find("tgate_build_info{version=\"" + version + "\"} 1\n"), std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace tgate::itest
