// One tgate on PostgreSQL (issue 13, step 1): the link flow through the
// webhook, a send, a restart keeping the data, and clear start-up errors.
// Several instances on one database: cluster_test.cc.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <thread>

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

// Long polling on PostgreSQL: each getUpdates answer is taken in in one
// transaction, each update acted on in it (webhook/update_intake.h): the
// /start links, and a burst of 250 messages (three answers) is forwarded to
// the outbox once each, with Telegram's queue confirmed.
TEST_F(ServeOnPostgres, LinksByLongPollingAndTakesABurstInOnceEach) {
  StartEmulator();
  TgateOptions options = OnPostgres();
  options.long_polling = true;
  StartTgate(options);
  LinkUser("alice", 2002);
  EXPECT_EQ(Api("GET", "/v1/users/alice").Int("chat_id"), 2002);
  auto events_pending = [&] {
    const std::string body = Api("GET", "/metrics").body;
    const size_t at = body.find("\ntgate_events_pending ");
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + 22));
  };
  const double before = events_pending();  // user.linked
  ASSERT_GE(before, 1);
  ASSERT_EQ(Emu("POST", "/control/message", R"({"user_id":2002,"text":"hi","count":250})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return events_pending() >= before + 250; }, std::chrono::seconds(20)))
      << events_pending();
  EXPECT_TRUE(WaitUntil([&] { return Emu("GET", "/control/stats").Int("pending_updates") == 0; }))
      << "confirmed by the next offset";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(events_pending(), before + 250) << "each once";
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

// A second tgate on the same database joins it (README "Several instances"):
// it takes API calls, and the bot's one owner sends what it accepted, once.
// The multi-instance behaviour in depth: cluster_test.cc.
TEST_F(ServeOnPostgres, ASecondTgateOnTheSameDatabaseJoinsAndEachMessageGoesOnce) {
  StartEmulator();
  StartTgate(OnPostgres());
  LinkUser("42", 1001);
  Process second;
  ASSERT_TRUE(second.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"},
                           {{"TGATE_BOT_TOKEN", kToken},
                            {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
                            {"TGATE_API_KEY", kApiKey},
                            {"TGATE_LISTEN", "127.0.0.1:0"},
                            {"TGATE_DB", OnPostgres().env.at("TGATE_DB")}},
                           dir_ + "/tgate-second"));
  auto port = second.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(20));
  ASSERT_TRUE(port) << second.Stderr() << second.Stdout();
  const uint16_t second_port = static_cast<uint16_t>(std::stoi(*port));
  auto r = TgateCall(second_port, "POST", "/v1/messages", R"({"user":"42","text":"Through the second"})",
                     {{"Authorization", std::string("Bearer ") + kApiKey}});
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1001).size() >= 2u; })) << tgate_->Stdout() << second.Stdout();
  // A moment for a second send, were there one.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto texts = SentTexts(1001);
  ASSERT_EQ(texts.size(), 2u);  // welcome + ours, each once
  EXPECT_EQ(texts[1], "Through the second");
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(std::chrono::seconds(20)), 0);
  EXPECT_EQ(StopTgate(), 0);
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
