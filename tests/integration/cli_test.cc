// The command line against the emulator: me, webhook set (with a certificate
// uploaded as multipart) / info / delete, commands set, errors that say what
// to do — never the token — and database files only tgate's user can read;
// `tgate store copy` refusing a source a running tgate holds, then copying it
// into PostgreSQL once tgate is stopped (with TGATE_TEST_PG), and refusing to
// copy into a target that now holds data.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/gateway_fixture.h"
#include "pg/pg_test_util.h"

namespace tgate::itest {
namespace {

class Cli : public GatewayTest {
 protected:
  // Runs `tgate args...` to completion; returns (exit code, stdout + stderr).
  // (TGATE_BOT_TOKEN unless given, and the emulator's address.)
  std::pair<int, std::string> Tgate(std::vector<std::string> args,
                                    std::map<std::string, std::string> env = {}) {
    if (!env.count("TGATE_BOT_TOKEN")) env["TGATE_BOT_TOKEN"] = kToken;
    env["TGATE_BOT_API_URL"] = "http://127.0.0.1:" + std::to_string(emu_port_);
    return RunTgate(std::move(args), env).Merged();
  }
};

TEST_F(Cli, MeShowsTheBot) {
  StartEmulator();
  auto [code, out] = Tgate({"me"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("tgate_sandbox_bot"), std::string::npos);
}

TEST_F(Cli, WebhookSetUploadsTheCertificateAndAsksForMyChatMember) {
  StartEmulator();
  std::string cert = dir_ + "/cert.pem";
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
  auto [code, out] =
      Tgate({"webhook", "set", "--url", "https://example.com/hooks/telegram/abc", "--certificate", cert,
             "--secret", "s3cret", "--max-connections", "7", "--allowed-updates", "message"});
  ASSERT_EQ(code, 0) << out;
  auto [icode, info] = Tgate({"webhook", "info"});
  ASSERT_EQ(icode, 0) << info;
  EXPECT_NE(info.find("\"url\":\"https://example.com/hooks/telegram/abc\""), std::string::npos) << info;
  EXPECT_NE(info.find("\"has_custom_certificate\":true"), std::string::npos) << info;
  EXPECT_NE(info.find("\"max_connections\":7"), std::string::npos) << info;
  EXPECT_NE(info.find("my_chat_member"), std::string::npos)
      << "tgate always asks for block/unblock updates: " << info;
  auto [dcode, del] = Tgate({"webhook", "delete"});
  EXPECT_EQ(dcode, 0) << del;
}

TEST_F(Cli, WebhookSetWithoutAUrlSaysWhatToSet) {
  StartEmulator();
  auto [code, out] = Tgate({"webhook", "set"});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("TGATE_PUBLIC_URL"), std::string::npos) << out;
}

TEST_F(Cli, WebhookSetMaxConnectionsHelpSaysTheRangeItChecks) {
  auto [hcode, help] = Tgate({"webhook", "set", "--help"});
  EXPECT_EQ(hcode, 0) << help;
  EXPECT_NE(help.find("1-100 on api.telegram.org"), std::string::npos) << help;
  EXPECT_NE(help.find("up to 100000 on a local Bot API server"), std::string::npos) << help;
  for (const char* bad : {"0", "100001"}) {
    auto [code, out] = Tgate(
        {"webhook", "set", "--url", "https://example.com/hooks/telegram/abc", "--max-connections", bad});
    EXPECT_NE(code, 0) << bad << ": " << out;
    EXPECT_NE(out.find("max-connections"), std::string::npos) << bad << ": " << out;
  }
}

TEST_F(Cli, CommandsSetFromTheConfig) {
  StartEmulator();
  std::string config = dir_ + "/tgate.toml";
  std::ofstream(config) << "[[bots]]\nname = \"default\"\n[[bots.commands]]\ncommand = \"help\"\n"
                           "description = \"What this bot does\"\n";
  auto [code, out] = Tgate({"--config", config, "commands", "set"});
  EXPECT_EQ(code, 0) << out;
  auto got = Emu("GET", std::string("/bot") + kToken + "/getMyCommands");
  EXPECT_NE(got.body.find("\"help\""), std::string::npos) << got.body;
}

TEST_F(Cli, ASecondServeOnTheSameDatabaseRefusesToStart) {
  StartEmulator();
  StartTgate();
  // Both would dispatch the same queue: every message twice.
  auto [code, out] = Tgate({"serve"}, {{"TGATE_DB", dir_ + "/tgate.db"},
                                       {"TGATE_API_KEY", kApiKey},
                                       {"TGATE_LISTEN", "127.0.0.1:0"},
                                       {"TGATE_WEBHOOK_PATH", kHookPath}});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("is in use by another tgate (pid " + std::to_string(tgate_->pid()) + ")"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("give this one its own database"), std::string::npos) << out;
  EXPECT_EQ(Api("GET", "/healthz").status, 200) << "the first one serves on";
  // Its lock goes with it: the next tgate on the database starts.
  ASSERT_EQ(StopTgate(), 0);
  StartTgate();
  EXPECT_EQ(Api("GET", "/healthz").status, 200);
}

TEST_F(Cli, ASecondSandboxLeavesTheRunningOnesDatabaseAlone) {
  // A sandbox clears its database files at start: never those of one running.
  const std::string db = dir_ + "/sandbox.db";
  Process first;
  ASSERT_TRUE(first.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "sandbox", "--listen", "127.0.0.1:0",
                           "--emulator-port", "0", "--db", db},
                          {}, dir_ + "/sandbox-1"));
  auto port = first.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(15));
  ASSERT_TRUE(port) << first.Stderr();
  ASSERT_TRUE(std::filesystem::exists(db));

  auto [code, out] = Tgate({"sandbox", "--listen", "127.0.0.1:0", "--emulator-port", "0", "--db", db});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("is in use by another tgate (pid " + std::to_string(first.pid()) + ")"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("--db"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(db)) << "the running sandbox's database was removed";
  EXPECT_EQ(TgateCall(static_cast<uint16_t>(std::stoi(*port)), "GET", "/healthz").status, 200);
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(std::chrono::seconds(20)), 0);
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0xffff;  // 0xffff: no such file
}

TEST_F(Cli, ServeMakesItsFilesPrivateAndRefusesADatabaseOthersCanRead) {
  const mode_t old_mask = umask(022);  // the usual one, which made them 0644
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);  // a write: the WAL has frames
  const std::string db = dir_ + "/tgate.db";
  EXPECT_EQ(ModeOf(db), 0600u);
  EXPECT_EQ(ModeOf(db + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(db + "-shm"), 0600u);
  EXPECT_EQ(ModeOf(db + ".lock"), 0600u);
  EXPECT_NE(Api("GET", "/metrics").body.find("\ntgate_db_wal_bytes "), std::string::npos);
  ASSERT_EQ(StopTgate(), 0);
  umask(old_mask);

  ASSERT_EQ(chmod(db.c_str(), 0644), 0);
  auto [code, out] = Tgate({"serve"}, {{"TGATE_DB", db},
                                       {"TGATE_API_KEY", kApiKey},
                                       {"TGATE_LISTEN", "127.0.0.1:0"},
                                       {"TGATE_WEBHOOK_PATH", kHookPath}});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("chmod 600 " + db), std::string::npos) << out;
  EXPECT_EQ(out.find("tgate listening"), std::string::npos) << out;
  EXPECT_EQ(ModeOf(db), 0644u) << "left for the operator to fix";
  // Fixed as the message says, it starts with its data.
  ASSERT_EQ(chmod(db.c_str(), 0600), 0);
  StartTgate();
  EXPECT_EQ(Api("GET", "/v1/users/42").status, 200);
}

TEST_F(Cli, TheSandboxsFilesArePrivate) {
  const mode_t old_mask = umask(022);
  const std::string db = dir_ + "/sandbox.db";
  Process sandbox;
  ASSERT_TRUE(sandbox.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "sandbox", "--listen", "127.0.0.1:0",
                             "--emulator-port", "0", "--db", db},
                            {}, dir_ + "/sandbox"));
  umask(old_mask);
  auto port = sandbox.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(15));
  ASSERT_TRUE(port) << sandbox.Stderr();
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) EXPECT_EQ(ModeOf(db + suffix), 0600u) << suffix;
  sandbox.Signal(SIGTERM);
  EXPECT_EQ(sandbox.Wait(std::chrono::seconds(20)), 0);
}

TEST_F(Cli, BroadcastNamesTheFirstSkippedUsersAndCountsTheRest) {
  StartEmulator();
  StartTgate();
  LinkUser("42", 1001);
  const std::string users = dir_ + "/users.txt";
  std::ofstream(users) << "42\ng1\ng2\ng3\ng4\ng5\ng6\ng7\n";
  auto [code, out] = Tgate({"broadcast", "--users", users, "--text", "news", "--detach", "--url",
                            "http://127.0.0.1:" + std::to_string(tgate_port_)},
                           {{"TGATE_API_KEY", kApiKey}});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("1 recipients (7 skipped)"), std::string::npos) << out;
  EXPECT_NE(out.find("skipped: g1 (not linked), g2 (not linked), g3 (not linked), g4 (not linked), g5 (not "
                     "linked) and 2 more"),
            std::string::npos)
      << out;
}

TEST_F(Cli, ErrorsSayWhatToDoAndNeverShowTheToken) {
  StartEmulator();
  auto [code, out] =
      Tgate({"me"}, {{"TGATE_BOT_TOKEN", "987654321:ITEST_wrong_token_not_known_to_emulator_x"}});
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("check the bot token"), std::string::npos) << out;
  EXPECT_EQ(out.find("ITEST_wrong_token"), std::string::npos) << out;
  auto [scode, sout] = Tgate({"serve"}, {{"TGATE_BOT_TOKEN", ""}});
  EXPECT_NE(scode, 0);
  EXPECT_NE(sout.find("TGATE_BOT_TOKEN"), std::string::npos) << sout;
  auto [ucode, uout] = Tgate({"frobnicate"});
  EXPECT_NE(ucode, 0);
  auto [hcode, hout] = Tgate({"webhook", "--help"});
  EXPECT_EQ(hcode, 0);
  EXPECT_NE(hout.find("set"), std::string::npos);
}

TEST_F(Cli, StoreCopyWaitsForTgateToStopThenCopiesIntoAnEmptyPostgres) {
  StartEmulator();
  StartTgate();
  LinkUser("alice", 4242);
  const std::string db = dir_ + "/tgate.db";
  // Refused before the target is touched: any URL will do.
  auto [lcode, locked] =
      Tgate({"store", "copy", "--from", db, "--to", "postgresql://tgate@127.0.0.1:1/tgate"});
  EXPECT_NE(lcode, 0);
  EXPECT_NE(locked.find("in use by a running tgate: stop tgate first"), std::string::npos) << locked;
  ASSERT_EQ(StopTgate(), 0);

  auto target = pg::TestDatabase::Create();
  if (!target) GTEST_SKIP() << pg::kNoTestServer;
  auto [code, out] = Tgate({"store", "copy", "--from", db, "--to", target->url()});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("bindings"), std::string::npos) << out;
  EXPECT_NE(out.find("next ids: message"), std::string::npos) << out;
  PGconn* conn = PQconnectdb(target->url().c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, "SELECT chat_id FROM bindings WHERE site_user = 'alice'");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
  ASSERT_EQ(PQntuples(r), 1);
  EXPECT_STREQ(PQgetvalue(r, 0, 0), "4242");
  PQclear(r);
  PQfinish(conn);

  auto [again, refused] = Tgate({"store", "copy", "--from", db, "--to", target->url()});
  EXPECT_NE(again, 0);
  EXPECT_NE(refused.find("the target already holds data"), std::string::npos) << refused;
}

}  // namespace
}  // namespace tgate::itest
