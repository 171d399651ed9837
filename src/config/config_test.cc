#include "config/config.h"

#include <gtest/gtest.h>

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

TEST(Config, MaxConnectionsDefaultsToAutomaticAndIsOverridable) {
  Env base{{"TGATE_BOT_TOKEN", "1:x"}, {"TGATE_API_KEY", "k"}};
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
