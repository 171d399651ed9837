#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/testing.h"

namespace tgate::config {
namespace {

constexpr char kToml[] = R"(
listen = "127.0.0.1:9000"
api_key = "k1"
[[bots]]
name = "shop"
token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx"
webhook_secret = "s3cret"
[bots.limits]
global_per_sec = 600
[[bots.commands]]
command = "help"
description = "Show help"
[[bots]]
name = "news"
token = "654321:TEST_fake_token_for_tests_only_yyyyyyyy"
long_polling = true
)";

TEST(Config, ParsesFileWithSeveralBots) {
  auto c = Parse(kToml, {});
  ASSERT_OK(c);
  EXPECT_EQ(c->listen, "127.0.0.1:9000");
  ASSERT_EQ(c->bots.size(), 2u);
  EXPECT_EQ(c->bots[0].name, "shop");
  EXPECT_EQ(c->bots[0].limits.global_per_sec, 600);
  EXPECT_EQ(c->bots[0].limits.chat_per_sec, 1);
  ASSERT_EQ(c->bots[0].commands.size(), 1u);
  EXPECT_EQ(c->bots[0].commands[0].command, "help");
  EXPECT_TRUE(c->bots[1].long_polling);
  EXPECT_EQ(c->FindBot("")->name, "shop");
  EXPECT_EQ(c->FindBot("news")->name, "news");
  EXPECT_EQ(c->FindBot("nope"), nullptr);
}

TEST(Config, EnvironmentOverridesTheDefaultBot) {
  Env env{{"TGATE_LISTEN", "0.0.0.0:1"},
          {"TGATE_LIMIT_GLOBAL_PER_SEC", "45"},
          {"TGATE_WEBHOOK_SECRET", "abc"},
          {"TGATE_BOT_TOKEN_NEWS", "777:TEST_fake_token_for_tests_only_zzzzzzzz"}};
  auto c = Parse(kToml, env);
  ASSERT_OK(c);
  EXPECT_EQ(c->listen, "0.0.0.0:1");
  EXPECT_EQ(c->bots[0].limits.global_per_sec, 45);
  EXPECT_EQ(c->bots[0].webhook_secret, "abc");
  EXPECT_EQ(c->bots[1].token, "777:TEST_fake_token_for_tests_only_zzzzzzzz");
}

TEST(Config, EnvironmentAloneMakesADefaultBot) {
  auto c = Parse("", {{"TGATE_BOT_TOKEN", "1:x"}, {"TGATE_API_KEY", "k"}});
  ASSERT_OK(c);
  ASSERT_EQ(c->bots.size(), 1u);
  EXPECT_EQ(c->bots[0].name, "default");
  EXPECT_EQ(c->api_key, "k");
}

TEST(Config, BadInputIsExplained) {
  EXPECT_NE(Parse("listen = ", {}).status().message().find("not valid TOML"), std::string::npos);
  EXPECT_NE(Parse("listen = 5", {}).status().message().find("'listen'"), std::string::npos);
  EXPECT_NE(Parse("", {{"TGATE_BOT_TOKEN", "1:x"}, {"TGATE_LIMIT_GLOBAL_PER_SEC", "fast"}})
                .status()
                .message()
                .find("number"),
            std::string::npos);
  EXPECT_FALSE(Load("/nonexistent/tgate.toml", {}).ok());
}

TEST(Config, RelativeFilesInAConfigFileAreTakenFromItsFolder) {
  const auto dir = std::filesystem::temp_directory_path() / ("tgate-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "tgate.toml").string();
  std::ofstream(path) << "db = \"data/tgate.db\"\n[[bots]]\nwebhook_certificate = \"cert.pem\"\n";
  auto c = Load(path, {});
  ASSERT_OK(c);
  EXPECT_EQ(c->db, (dir / "data/tgate.db").string());
  EXPECT_EQ(c->bots[0].webhook_certificate, (dir / "cert.pem").string());
  // The default db too; the environment's stay relative to the current folder.
  std::ofstream(path) << "api_key = \"k\"\n";
  c = Load(path, {});
  ASSERT_OK(c);
  EXPECT_EQ(c->db, (dir / "tgate.db").string());
  c = Load(path, {{"TGATE_DB", "here.db"}});
  ASSERT_OK(c);
  EXPECT_EQ(c->db, "here.db");
  // URLs and absolute paths are left alone.
  std::ofstream(path) << "db = \"postgresql://tgate@db/tgate\"\n";
  EXPECT_EQ(Load(path, {})->db, "postgresql://tgate@db/tgate");
  std::ofstream(path) << "db = \"/var/lib/tgate/tgate.db\"\n";
  EXPECT_EQ(Load(path, {})->db, "/var/lib/tgate/tgate.db");
  std::filesystem::remove_all(dir);
}

TEST(Config, WholeNumberKeysRefuseFractionsAndOverflowFromTheEnvironment) {
  Env base{{"TGATE_BOT_TOKEN", "1:x"}};
  for (const auto& [name, bad] :
       std::vector<std::pair<std::string, std::string>>{{"TGATE_LINK_TTL_SECONDS", "900.5"},
                                                        {"TGATE_MAX_BODY_BYTES", "-1"},
                                                        {"TGATE_MAX_BODY_BYTES", "1e30"},
                                                        {"TGATE_LIMIT_MAX_IN_FLIGHT", "1e10"}}) {
    Env env = base;
    env[name] = bad;
    EXPECT_NE(Parse("", env).status().message().find(name + " must be a whole number"), std::string::npos)
        << name << "=" << bad;
  }
  auto ok = Parse("", {{"TGATE_BOT_TOKEN", "1:x"}, {"TGATE_LINK_TTL_SECONDS", "1800"}});
  ASSERT_OK(ok);
  EXPECT_EQ(ok->link_ttl_seconds, 1800);
}

TEST(Config, ValidateNamesWhatIsMissingAndNeverTheToken) {
  auto c = Parse("", {});
  ASSERT_OK(c);
  Status s = ValidateForServe(*c);
  EXPECT_NE(s.message().find("TGATE_BOT_TOKEN"), std::string::npos);

  auto c2 = Parse(kToml, {});
  ASSERT_OK(c2);
  c2->api_key.clear();
  EXPECT_NE(ValidateForServe(*c2).message().find("TGATE_API_KEY"), std::string::npos);

  auto c3 = Parse(kToml, {{"TGATE_WEBHOOK_SECRET", "bad secret!"}});
  ASSERT_OK(c3);
  Status bad = ValidateForServe(*c3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().find("TEST_fake"), std::string::npos);
}

TEST(Config, DbAcceptsAPostgresUrlAndRejectsAMalformedOneWithoutThePassword) {
  auto pg = Parse(kToml, {{"TGATE_DB", "postgresql://tgate:hunter2@db.example:5432/tgate?sslmode=require"},
                          {"TGATE_DB_SYNCHRONOUS", "sqlite-only"}});
  ASSERT_OK(pg);
  // db_synchronous is SQLite's: not checked for PostgreSQL.
  ASSERT_OK(ValidateForServe(*pg));
  auto short_scheme = Parse(kToml, {{"TGATE_DB", "postgres:///tgate"}});
  ASSERT_OK(short_scheme);
  ASSERT_OK(ValidateForServe(*short_scheme));

  auto bad_option =
      Parse(kToml, {{"TGATE_DB", "postgresql://tgate:hunter2@db.example/tgate?no_such_option=1"}});
  ASSERT_OK(bad_option);
  Status s = ValidateForServe(*bad_option);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("PostgreSQL URL"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();

  auto bad_scheme = Parse(kToml, {{"TGATE_DB", "postgresq://tgate:hunter2@db/tgate"}});
  ASSERT_OK(bad_scheme);
  Status s2 = ValidateForServe(*bad_scheme);
  EXPECT_NE(s2.message().find("postgresql://"), std::string::npos) << s2.message();
  EXPECT_EQ(s2.message().find("hunter2"), std::string::npos) << s2.message();

  auto sqlite = Parse(kToml, {{"TGATE_DB_SYNCHRONOUS", "sometimes"}});
  ASSERT_OK(sqlite);
  EXPECT_NE(ValidateForServe(*sqlite).message().find("db_synchronous"), std::string::npos);
}

TEST(Config, ValidateDerivesAStableWebhookPath) {
  auto a = Parse(kToml, {});
  auto b = Parse(kToml, {});
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(ValidateForServe(*a));
  ASSERT_OK(ValidateForServe(*b));
  EXPECT_EQ(a->bots[0].webhook_path.size(), 32u);
  EXPECT_EQ(a->bots[0].webhook_path, b->bots[0].webhook_path);
  EXPECT_NE(a->bots[0].webhook_path, a->bots[1].webhook_path);
  EXPECT_EQ(a->bots[0].webhook_path.find("123456"), std::string::npos);
}

TEST(Config, EventsConcurrencyDefaultsToEightAndIsBounded) {
  Env base{{"TGATE_BOT_TOKEN", "123456:TEST_fake_token_for_tests_only_xxxxxxxx"}, {"TGATE_API_KEY", "k"}};
  auto d = Parse("", base);
  ASSERT_OK(d);
  EXPECT_EQ(d->events_concurrency, 8);
  auto file = Parse("events_concurrency = 1", base);
  ASSERT_OK(file);
  EXPECT_EQ(file->events_concurrency, 1);
  ASSERT_OK(ValidateForServe(*file));
  Env env = base;
  env["TGATE_EVENTS_CONCURRENCY"] = "100";
  auto e = Parse("events_concurrency = 1", env);
  ASSERT_OK(e);
  EXPECT_EQ(e->events_concurrency, 100);
  ASSERT_OK(ValidateForServe(*e));
  for (const char* bad : {"events_concurrency = 0", "events_concurrency = 101"}) {
    auto b = Parse(bad, base);
    ASSERT_OK(b);
    const Status st = ValidateForServe(*b);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("events_concurrency must be 1"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("TGATE_EVENTS_CONCURRENCY"), std::string::npos) << st.message();
  }
  env["TGATE_EVENTS_CONCURRENCY"] = "eight";
  EXPECT_FALSE(Parse("", env).ok());
}

TEST(Config, HttpThreadsDefaultToNoneAndAreBounded) {
  Env base{{"TGATE_BOT_TOKEN", "123456:TEST_fake_token_for_tests_only_xxxxxxxx"}, {"TGATE_API_KEY", "k"}};
  auto d = Parse("", base);
  ASSERT_OK(d);
  EXPECT_EQ(d->http_threads, 0);  // the io thread reads and writes the connections
  auto file = Parse("http_threads = 1", base);
  ASSERT_OK(file);
  EXPECT_EQ(file->http_threads, 1);
  ASSERT_OK(ValidateForServe(*file));
  Env env = base;
  env["TGATE_HTTP_THREADS"] = "2";
  auto e = Parse("http_threads = 1", env);
  ASSERT_OK(e);
  EXPECT_EQ(e->http_threads, 2);
  for (const char* bad : {"http_threads = -1", "http_threads = 9"}) {
    auto b = Parse(bad, base);
    ASSERT_OK(b);
    const Status st = ValidateForServe(*b);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("http_threads must be 0"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("TGATE_HTTP_THREADS"), std::string::npos) << st.message();
  }
  env["TGATE_HTTP_THREADS"] = "two";
  EXPECT_FALSE(Parse("", env).ok());
}

TEST(Config, MaxConnectionsDefaultsToAutomaticAndIsOverridable) {
  Env base{{"TGATE_BOT_TOKEN", "123456:TEST_fake_token_for_tests_only_xxxxxxxx"}, {"TGATE_API_KEY", "k"}};
  auto d = Parse("", base);
  ASSERT_OK(d);
  EXPECT_EQ(d->max_connections, 0);  // 10,000 within the open-file limit
  auto file = Parse("max_connections = 500", base);
  ASSERT_OK(file);
  EXPECT_EQ(file->max_connections, 500);
  Env env = base;
  env["TGATE_MAX_CONNECTIONS"] = "2000";
  auto e = Parse("max_connections = 500", env);
  ASSERT_OK(e);
  EXPECT_EQ(e->max_connections, 2000);
  ASSERT_OK(ValidateForServe(*e));
  auto neg = Parse("max_connections = -1", base);
  ASSERT_OK(neg);
  EXPECT_NE(ValidateForServe(*neg).message().find("max_connections"), std::string::npos);
}

TEST(Config, RetentionDaysDefaultsToAWeekAndIsOverridable) {
  auto c = Parse(kToml, {});
  ASSERT_OK(c);
  EXPECT_EQ(c->retention_days, 7);
  auto file = Parse("retention_days = 30", {});
  ASSERT_OK(file);
  EXPECT_EQ(file->retention_days, 30);
  auto env = Parse("retention_days = 30\n" + std::string(kToml), {{"TGATE_RETENTION_DAYS", "0"}});
  ASSERT_OK(env);
  EXPECT_EQ(env->retention_days, 0);  // 0: keep forever
  ASSERT_OK(ValidateForServe(*env));
}

TEST(Config, BadRetentionDaysAreRefusedWithTheKeyToFix) {
  EXPECT_NE(Parse("retention_days = \"week\"", {}).status().message().find("'retention_days'"),
            std::string::npos);
  EXPECT_NE(Parse("retention_days = 7.5", {}).status().message().find("'retention_days'"), std::string::npos);
  for (const char* bad : {"7.5", "1e30", "-1e30"}) {
    Status s = Parse(kToml, {{"TGATE_RETENTION_DAYS", bad}}).status();
    EXPECT_NE(s.message().find("TGATE_RETENTION_DAYS must be a whole number"), std::string::npos) << bad;
  }
  EXPECT_NE(Parse(kToml, {{"TGATE_RETENTION_DAYS", "week"}}).status().message().find("number"),
            std::string::npos);
  for (const char* bad : {"-1", "3651", "100000"}) {
    auto c = Parse(kToml, {{"TGATE_RETENTION_DAYS", bad}});
    ASSERT_OK(c);
    Status s = ValidateForServe(*c);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("retention_days must be 0 (keep finished messages forever) or 1..3650"),
              std::string::npos)
        << s.message();
  }
  auto max = Parse(kToml, {{"TGATE_RETENTION_DAYS", "3650"}});
  ASSERT_OK(max);
  EXPECT_OK(ValidateForServe(*max));
}

TEST(Config, MaxQueueAgeIsADayByDefaultPerBotOrOverall) {
  auto c = Parse(kToml, {});
  ASSERT_OK(c);
  EXPECT_EQ(c->max_queue_age_seconds, 86400);
  EXPECT_EQ(c->MaxQueueAgeSeconds(c->bots[0]), 86400);
  auto env = Parse(kToml, {{"TGATE_MAX_QUEUE_AGE_SECONDS", "3600"}});
  ASSERT_OK(env);
  EXPECT_EQ(env->MaxQueueAgeSeconds(env->bots[1]), 3600);
  auto per_bot = Parse(
      "max_queue_age_seconds = 7200\n[[bots]]\nname = \"a\"\ntoken = \"1:x\"\n"
      "max_queue_age_seconds = 600\n[[bots]]\nname = \"b\"\ntoken = \"2:y\"\n",
      {});
  ASSERT_OK(per_bot);
  EXPECT_EQ(per_bot->MaxQueueAgeSeconds(per_bot->bots[0]), 600);
  EXPECT_EQ(per_bot->MaxQueueAgeSeconds(per_bot->bots[1]), 7200);
  for (const char* bad : {"0", "-5", "2678401"}) {
    auto b = Parse(kToml, {{"TGATE_MAX_QUEUE_AGE_SECONDS", bad}});
    ASSERT_OK(b);
    Status s = ValidateForServe(*b);
    EXPECT_NE(s.message().find("max_queue_age_seconds must be 1..2678400"), std::string::npos) << s.message();
  }
}

TEST(Config, UnknownKeysAreRefusedWithTheirPathAndTheClosestKnownKey) {
  Status s = Parse("[[bots]]\nname = \"a\"\nlongpolling = true\n", {}).status();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown config key 'bots[0].longpolling' (line 3)"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("did you mean 'bots[0].long_polling'?"), std::string::npos) << s.message();

  // [bots.limit] was ignored while the log still said 30/s.
  s = Parse("[[bots]]\nname = \"a\"\n[[bots]]\nname = \"b\"\n[bots.limit]\nglobal_per_sec = 5\n", {})
          .status();
  EXPECT_NE(s.message().find("'bots[1].limit'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("did you mean 'bots[1].limits'?"), std::string::npos) << s.message();

  s = Parse("[[bots]]\nname = \"a\"\n[bots.limits]\nglobal_per_secs = 5\n", {}).status();
  EXPECT_NE(s.message().find("did you mean 'bots[0].limits.global_per_sec'?"), std::string::npos)
      << s.message();

  s = Parse("[[bots]]\nname = \"a\"\n[[bots.commands]]\ncommand = \"help\"\ndescripton = \"x\"\n", {})
          .status();
  EXPECT_NE(s.message().find("did you mean 'bots[0].commands[0].description'?"), std::string::npos)
      << s.message();

  s = Parse("apikey = \"k\"", {}).status();
  EXPECT_NE(s.message().find("unknown config key 'apikey' (line 1): did you mean 'api_key'?"),
            std::string::npos)
      << s.message();

  // Nothing close: the keys that are known there are listed instead.
  s = Parse("frobnicate = 1", {}).status();
  EXPECT_NE(s.message().find("unknown config key 'frobnicate'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("the keys known here are: listen, db,"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("did you mean"), std::string::npos) << s.message();
}

TEST(Config, EveryKeyTheParserReadsIsAccepted) {
  // Each key once, at every level: a key the parser reads is never refused
  // as unknown (the known keys are the ones it reads).
  auto c = Parse(R"(
listen = "127.0.0.1:1"
db = "x.db"
db_synchronous = "full"
retention_days = 3
api_key = "k"
events_url = "https://example.com/e"
events_secret = "s"
link_ttl_seconds = 60
max_body_bytes = 1000
max_connections = 10
log_level = "debug"
max_queue_age_seconds = 60
[[bots]]
name = "a"
token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx"
api_url = "http://127.0.0.1:2"
webhook_path = "p"
webhook_secret = "s"
public_url = "https://example.com"
long_polling = true
welcome_text = "hi"
invalid_link_text = "no"
max_queue_age_seconds = 30
[bots.limits]
global_per_sec = 1
chat_per_sec = 1.5
chat_burst = 2
group_per_min = 3
paid_per_sec = 4
max_in_flight = 5
max_attempts = 6
[[bots.commands]]
command = "help"
description = "Help"
)",
                 {});
  ASSERT_OK(c);
  EXPECT_EQ(c->bots[0].limits.max_attempts, 6);
  EXPECT_EQ(c->bots[0].limits.chat_per_sec, 1.5);
  EXPECT_EQ(c->bots[0].commands[0].description, "Help");
}

TEST(Config, BadValuesNameTheKeyTheTypeAndTheRange) {
  Status s = Parse("[[bots]]\nname = \"a\"\nlong_polling = \"yes\"\n", {}).status();
  EXPECT_NE(
      s.message().find("config key 'bots[0].long_polling' must be true or false, not a string (line 3)"),
      std::string::npos)
      << s.message();
  s = Parse("[[bots]]\nname = \"a\"\n[bots.limits]\nmax_in_flight = 3000000000\n", {}).status();
  EXPECT_NE(s.message().find("config key 'bots[0].limits.max_in_flight' is 3000000000, out of range"),
            std::string::npos)
      << s.message();
  s = Parse("max_body_bytes = -1", {}).status();
  EXPECT_NE(s.message().find("'max_body_bytes' is -1, out of range: it must be 0.."), std::string::npos)
      << s.message();
  s = Parse("[[bots]]\nname = \"a\"\n[bots.limits]\nglobal_per_sec = \"fast\"\n", {}).status();
  EXPECT_NE(s.message().find("'bots[0].limits.global_per_sec' must be a number, not a string"),
            std::string::npos)
      << s.message();
  s = Parse("[[bots]]\nname = \"a\"\nlimits = 5\n", {}).status();
  EXPECT_NE(s.message().find("'bots[0].limits' must be a table"), std::string::npos) << s.message();

  auto zero = Parse(
      "[[bots]]\nname = \"a\"\ntoken = \"123456:TEST_fake_token_for_tests_only_xxxxxxxx\"\n"
      "[bots.limits]\nchat_per_sec = 0\n",
      {{"TGATE_API_KEY", "k"}});
  ASSERT_OK(zero);
  EXPECT_NE(ValidateForServe(*zero).message().find("bots[0].limits.chat_per_sec must be positive"),
            std::string::npos);
}

TEST(Config, LogLevelsAreCaseInsensitiveAndUnknownOnesAreRefused) {
  for (const auto& [given, want] : std::vector<std::pair<std::string, std::string>>{
           {"INFO", "info"}, {"Warn", "warn"}, {"warning", "warn"}, {"debug", "debug"}, {"OFF", "off"}}) {
    auto c = Parse("", {{"TGATE_LOG_LEVEL", given}});
    ASSERT_OK(c);
    EXPECT_EQ(c->log_level, want) << given;
  }
  Status s = Parse("", {{"TGATE_LOG_LEVEL", "verbose"}}).status();
  EXPECT_NE(s.message().find("log level 'verbose' (TGATE_LOG_LEVEL) is not one of trace, debug, info, warn, "
                             "error, critical, off"),
            std::string::npos)
      << s.message();
  s = Parse("log_level = \"inof\"", {}).status();
  EXPECT_NE(s.message().find("(log_level in the config file)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("did you mean 'info'?"), std::string::npos) << s.message();
}

TEST(Config, LogFormatIsTextOrJsonAndAnythingElseIsRefused) {
  auto c = Parse("", {});
  ASSERT_OK(c);
  EXPECT_EQ(c->log_format, "text");
  c = Parse("log_format = \"json\"", {});
  ASSERT_OK(c);
  EXPECT_EQ(c->log_format, "json");
  c = Parse("", {{"TGATE_LOG_FORMAT", "JSON"}});
  ASSERT_OK(c);
  EXPECT_EQ(c->log_format, "json");
  Status s = Parse("", {{"TGATE_LOG_FORMAT", "logfmt"}}).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("log format 'logfmt' (TGATE_LOG_FORMAT) is not one of text, json"),
            std::string::npos)
      << s.message();
  s = Parse("log_format = \"xml\"", {}).status();
  EXPECT_NE(s.message().find("(log_format in the config file)"), std::string::npos) << s.message();
}

TEST(Config, TheReadmesPlaceholdersAreRefusedSayingWhatToPutThere) {
  const std::string bot =
      "[[bots]]\nname = \"a\"\ntoken = \"123456:TEST_fake_token_for_tests_only_xxxxxxxx\"\n";
  auto key = Parse("api_key = \"change-me\"\n" + bot, {});
  ASSERT_OK(key);
  Status s = ValidateForServe(*key);
  EXPECT_NE(s.message().find("api_key is still the README's placeholder \"change-me\""), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("openssl rand -hex 32"), std::string::npos) << s.message();

  auto secret = Parse("api_key = \"k\"\n" + bot + "webhook_secret = \"...\"\n", {});
  ASSERT_OK(secret);
  s = ValidateForServe(*secret);
  EXPECT_NE(s.message().find("bots[0].webhook_secret may contain only A-Z, a-z, 0-9, _ and -"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("replace the README's placeholder"), std::string::npos) << s.message();

  auto token = Parse("api_key = \"k\"\n[[bots]]\nname = \"a\"\ntoken = \"123456:ABC...\"\n", {});
  ASSERT_OK(token);
  s = ValidateForServe(*token);
  EXPECT_NE(
      s.message().find("the token of bots[0] ('a') (TGATE_BOT_TOKEN or bots[0].token) is not shaped like"),
      std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("ABC"), std::string::npos) << "never the token: " << s.message();
}

TEST(Config, AMissingTokenNamesTheBotsOwnVariable) {
  auto c = Parse(
      "api_key = \"k\"\n[[bots]]\nname = \"shop\"\n"
      "token = \"123456:TEST_fake_token_for_tests_only_xxxxxxxx\"\n[[bots]]\nname = \"news-feed\"\n",
      {});
  ASSERT_OK(c);
  Status s = ValidateForServe(*c);
  EXPECT_NE(s.message().find("no bot token for bots[1] ('news-feed'): set TGATE_BOT_TOKEN_NEWS_FEED"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(TokenVariable("shop", true), "TGATE_BOT_TOKEN");
  EXPECT_EQ(TokenVariable("news-feed", false), "TGATE_BOT_TOKEN_NEWS_FEED");
  auto fixed = Parse(
      "api_key = \"k\"\n[[bots]]\nname = \"shop\"\n"
      "token = \"123456:TEST_fake_token_for_tests_only_xxxxxxxx\"\n[[bots]]\nname = \"news-feed\"\n",
      {{"TGATE_BOT_TOKEN_NEWS_FEED", "654321:TEST_fake_token_for_tests_only_yyyyyyyy"}});
  ASSERT_OK(fixed);
  EXPECT_OK(ValidateForServe(*fixed));
}

// A misspelt variable is not silently ignored: it is named, with the one
// tgate reads that it is closest to. The ones tgate reads are not named.
TEST(Config, UnreadVariablesAreNamedWithTheClosestOneTgateReads) {
  const Env env = {{"TGATE_BOT_TOKEN", "1:x"},       {"TGATE_EVENT_URL", "https://site/e"},
                   {"TGATE_WEBHOOK_PATH", "hook"},   {"TGATE_TEST_PG", "postgres://x"},
                   {"TGATE_BOT_TOKEN_NEWS", "2:y"},  {"TGATE_LIMIT_GLOBAL_PER_SECOND", "30"},
                   {"TGATE_SOMETHING_ELSE", "value"}};
  auto c = Parse("", env);
  ASSERT_OK(c);
  const std::vector<std::string> lines = UnreadEnvVariables(*c, env);
  ASSERT_EQ(lines.size(), 4u) << ::testing::PrintToString(lines);
  EXPECT_EQ(
      lines[0],
      "environment variable TGATE_BOT_TOKEN_NEWS is not one tgate reads (ignored): no configured bot is "
      "named NEWS (a bot's token variable is TGATE_BOT_TOKEN_ and its name in upper case)");
  EXPECT_EQ(lines[1],
            "environment variable TGATE_EVENT_URL is not one tgate reads (ignored); did you mean "
            "TGATE_EVENTS_URL?");
  EXPECT_EQ(lines[2],
            "environment variable TGATE_LIMIT_GLOBAL_PER_SECOND is not one tgate reads (ignored); did you "
            "mean TGATE_LIMIT_GLOBAL_PER_SEC?");
  EXPECT_EQ(lines[3], "environment variable TGATE_SOMETHING_ELSE is not one tgate reads (ignored)");

  // A bot named news in the file reads TGATE_BOT_TOKEN_NEWS; with no bot
  // configured at all, the default bot's variables are still known.
  auto named = Parse("[[bots]]\nname = \"news\"\n", {{"TGATE_BOT_TOKEN_NEWS", "2:y"}});
  ASSERT_OK(named);
  EXPECT_TRUE(UnreadEnvVariables(*named, {{"TGATE_BOT_TOKEN_NEWS", "2:y"}}).empty());
  const Env botless = {{"TGATE_WEBHOOK_SECRET", "s"}, {"TGATE_API_KEY", "k"}};
  auto none = Parse("", botless);
  ASSERT_OK(none);
  EXPECT_TRUE(UnreadEnvVariables(*none, botless).empty());
}

TEST(Config, SplitHostPort) {
  auto hp = SplitHostPort("127.0.0.1:8080");
  ASSERT_OK(hp);
  EXPECT_EQ(hp->first, "127.0.0.1");
  EXPECT_EQ(hp->second, 8080);
  EXPECT_FALSE(SplitHostPort("localhost").ok());
  EXPECT_FALSE(SplitHostPort("h:99999").ok());
}

}  // namespace
}  // namespace tgate::config
