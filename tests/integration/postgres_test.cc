// One tgate on PostgreSQL (issue 13, step 1): the link flow through the
// webhook, a send, a restart keeping the data, and clear start-up errors.
// Several instances on one database: cluster tests (helper G's branch).
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/postgres_fixture.h"

namespace tgate::itest {
namespace {

class ServeOnPostgres : public PostgresGatewayTest {};

TEST_F(ServeOnPostgres, LinksThroughTheWebhookAndSends) {
  StartEmulator();
  StartTgate(OnPostgres());
  EXPECT_NE((tgate_->Stdout() + tgate_->Stderr()).find("store: PostgreSQL"), std::string::npos);
  LinkUser("42", 1001);
  auto r = Api("POST", "/v1/messages", R"({"user":"42","text":"Order shipped"})");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string status_url = "/v1/messages/" + std::to_string(r.Int("id"));
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", status_url).Str("status") == "sent"; }));
  EXPECT_GT(Api("GET", status_url).Int("telegram_message_id"), 0);
  auto texts = SentTexts(1001);
  ASSERT_EQ(texts.size(), 2u);  // welcome + ours
  EXPECT_EQ(texts[1], "Order shipped");
  // No tgate.db was made: the data is in PostgreSQL.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/tgate.db"));
}

TEST_F(ServeOnPostgres, KeepsEverythingAcrossARestartAndSendsWhatWasQueued) {
  StartEmulator();
  StartTgate(OnPostgres());
  LinkUser("42", 1001);
  EXPECT_EQ(StopTgate(), 0);
  // While tgate is down nothing sends; the next tgate on the same database
  // finds the link (the first one's lock on the database went with it).
  StartTgate(OnPostgres());
  EXPECT_EQ(Api("GET", "/v1/users/42").status, 200);
  auto r = Api("POST", "/v1/messages", R"({"user":"42","text":"After restart"})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1001).size() == 2u; })) << tgate_->Stderr();
  EXPECT_EQ(SentTexts(1001)[1], "After restart");
}

TEST_F(ServeOnPostgres, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  StartEmulator();
  Process tgate;
  ASSERT_TRUE(tgate.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"},
                          {{"TGATE_BOT_TOKEN", kToken},
                           {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
                           {"TGATE_API_KEY", kApiKey},
                           {"TGATE_LISTEN", "127.0.0.1:0"},
                           // Port 1: nothing listens there.
                           {"TGATE_DB", "postgresql://tgate:hunter2secret@127.0.0.1:1/tgate"}},
                          dir_ + "/tgate-unreachable"));
  int code = tgate.Wait(std::chrono::seconds(20));
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "tgate kept running without its database";
  const std::string err = tgate.Stderr() + tgate.Stdout();
  EXPECT_NE(err.find("PostgreSQL"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2secret"), std::string::npos) << err;
  EXPECT_EQ(err.find("tgate listening"), std::string::npos) << err;
}

// Until instances share a database by leases, a second tgate on one database
// would run every dispatcher twice: it must refuse to start, and say why.
TEST_F(ServeOnPostgres, ASecondTgateOnTheSameDatabaseRefusesToStart) {
  StartEmulator();
  StartTgate(OnPostgres());
  Process second;
  ASSERT_TRUE(second.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"},
                           {{"TGATE_BOT_TOKEN", kToken},
                            {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
                            {"TGATE_API_KEY", kApiKey},
                            {"TGATE_LISTEN", "127.0.0.1:0"},
                            {"TGATE_DB", OnPostgres().env.at("TGATE_DB")}},
                           dir_ + "/tgate-second"));
  int code = second.Wait(std::chrono::seconds(20));
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "a second tgate kept running on the same database";
  const std::string err = second.Stderr() + second.Stdout();
  EXPECT_NE(err.find("another tgate is already serving"), std::string::npos) << err;
  EXPECT_EQ(err.find("tgate listening"), std::string::npos) << err;
  // The first one still serves, and once it stops the database is free again.
  EXPECT_EQ(Api("GET", "/v1/users/42").status, 404);
  EXPECT_EQ(StopTgate(), 0);
  StartTgate(OnPostgres());
}

TEST_F(ServeOnPostgres, AMalformedUrlIsRefusedBeforeStarting) {
  Process tgate;
  ASSERT_TRUE(tgate.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"},
                          {{"TGATE_BOT_TOKEN", kToken},
                           {"TGATE_API_KEY", kApiKey},
                           {"TGATE_LISTEN", "127.0.0.1:0"},
                           {"TGATE_DB", "postgresql://tgate:hunter2secret@db/tgate?no_such_option=1"}},
                          dir_ + "/tgate-malformed"));
  EXPECT_EQ(tgate.Wait(std::chrono::seconds(20)), 1);
  const std::string err = tgate.Stderr();
  EXPECT_NE(err.find("not a valid PostgreSQL URL"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2secret"), std::string::npos) << err;
}

}  // namespace
}  // namespace tgate::itest
