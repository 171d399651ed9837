// Going live, through the real binary against the emulator: with public_url
// tgate sets Telegram's webhook itself at start (with the secret and, when
// configured, the certificate) and updates then arrive; without public_url
// and without long polling it warns, naming the two ways out. Data in the
// right place: `tgate sandbox --db FILE` refuses a database that is not a
// sandbox's, and a relative db in a config file lands beside the file.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

namespace fs = std::filesystem;

// A loopback port free now (the kernel's pick), so public_url can name it
// before tgate listens on it.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class GoingLive : public GatewayTest {
 protected:
  HttpAnswer WebhookInfo() { return Emu("GET", std::string("/bot") + kToken + "/getWebhookInfo"); }
  std::string Logs() { return tgate_->Stdout() + tgate_->Stderr(); }
};

TEST_F(GoingLive, WithPublicUrlTgateSetsTheWebhookAtStartAndUpdatesArrive) {
  StartEmulator();
  ASSERT_EQ(WebhookInfo().obj().at("result").at("url").as_string(), "");
  tgate_port_ = FreePort();
  const std::string public_url = "http://127.0.0.1:" + std::to_string(tgate_port_);
  TgateOptions o;
  o.set_webhook = false;  // tgate's job now
  o.env["TGATE_PUBLIC_URL"] = public_url + "/";
  StartTgate(o);
  const std::string expected = public_url + "/hooks/telegram/" + kHookPath;
  ASSERT_TRUE(WaitUntil([&] { return WebhookInfo().obj().at("result").at("url").as_string() == expected; }))
      << WebhookInfo().body << Logs();
  EXPECT_FALSE(WebhookInfo().obj().at("result").at("has_custom_certificate").as_bool());
  ASSERT_TRUE(tgate_->WaitForText("Telegram's webhook points here", std::chrono::seconds(10))) << Logs();
  EXPECT_NE(Logs().find("webhook set to " + public_url + "/hooks/telegram/<webhook_path>"), std::string::npos)
      << Logs();
  EXPECT_EQ(Logs().find(kHookPath), std::string::npos) << "the webhook path is a secret: " << Logs();
  EXPECT_EQ(Logs().find("long_polling = true"), std::string::npos) << Logs();
  // The webhook works, secret included: Start reaches tgate and links.
  LinkUser("42", 1001);
  // A graceful stop ends with what was sent and what stays queued.
  ASSERT_EQ(Api("POST", "/v1/messages", R"({"user":"42","text":"Order shipped"})").status, 202);
  ASSERT_TRUE(WaitUntil([&] { return SentTexts(1001).size() == 2; }));  // the welcome text and ours
  ASSERT_EQ(StopTgate(), 0);
  EXPECT_NE(Logs().find("bot default: stopped after sending 2 message(s), 0 failed"), std::string::npos)
      << Logs();
  EXPECT_NE(Logs().find("nothing stays queued"), std::string::npos) << Logs();
}

TEST_F(GoingLive, AConfiguredCertificateIsUploadedWithSetWebhook) {
  StartEmulator();
  const std::string cert = dir_ + "/cert.pem";
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
  TgateOptions o;
  o.set_webhook = false;
  o.env["TGATE_PUBLIC_URL"] = "https://203.0.113.7:8443";
  o.env["TGATE_WEBHOOK_CERTIFICATE"] = cert;
  StartTgate(o);
  ASSERT_TRUE(WaitUntil([&] {
    return WebhookInfo().obj().at("result").at("has_custom_certificate").as_bool();
  })) << WebhookInfo().body
      << Logs();
  EXPECT_EQ(WebhookInfo().obj().at("result").at("url").as_string(),
            std::string("https://203.0.113.7:8443/hooks/telegram/") + kHookPath);
}

TEST_F(GoingLive, AnUnreadableCertificateIsRefusedAtStartNamingTheKey) {
  StartEmulator();
  auto [code, out] = RunTgate({"serve"}, {{"TGATE_BOT_TOKEN", kToken},
                                          {"TGATE_API_KEY", kApiKey},
                                          {"TGATE_DB", dir_ + "/x.db"},
                                          {"TGATE_LISTEN", "127.0.0.1:0"},
                                          {"TGATE_WEBHOOK_CERTIFICATE", dir_ + "/missing.pem"}})
                         .Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("cannot read bots[0].webhook_certificate"), std::string::npos) << out;
  EXPECT_NE(out.find("TGATE_WEBHOOK_CERTIFICATE"), std::string::npos) << out;
}

TEST_F(GoingLive, WithoutPublicUrlNorLongPollingTgateWarnsNamingBothWaysOut) {
  StartEmulator();
  TgateOptions o;
  o.set_webhook = false;
  StartTgate(o);
  ASSERT_TRUE(tgate_->WaitForText("Telegram has no webhook for this bot", std::chrono::seconds(10)))
      << Logs();
  EXPECT_NE(Logs().find("public_url (TGATE_PUBLIC_URL)"), std::string::npos) << Logs();
  EXPECT_NE(Logs().find("long_polling = true"), std::string::npos) << Logs();
  EXPECT_EQ(WebhookInfo().obj().at("result").at("url").as_string(), "") << "set without public_url";
}

TEST_F(GoingLive, AWebhookOnAnotherPathIsWarnedAboutWithoutPublicUrl) {
  StartEmulator();
  TgateOptions o;
  o.set_webhook = false;
  StartTgate(o);
  // Someone pointed the webhook at a wrong path; the next look (a restart:
  // the first look is at start) says so.
  boost::json::object p{{"url", "http://127.0.0.1:" + std::to_string(tgate_port_) + "/hooks/telegram/wrong"}};
  ASSERT_EQ(Emu("POST", std::string("/bot") + kToken + "/setWebhook", boost::json::serialize(p)).status, 200);
  ASSERT_EQ(StopTgate(), 0);
  StartTgate(o);
  ASSERT_TRUE(tgate_->WaitForText("not to this tgate", std::chrono::seconds(10))) << Logs();
  EXPECT_EQ(Logs().find("/hooks/telegram/wrong"), std::string::npos) << Logs();
}

// A SQLite database with one table, as any application's would be.
void MakeForeignDatabase(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE orders(id INTEGER); INSERT INTO orders VALUES (7);", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

std::string FileBytes(const std::string& path) { return ReadAll(path); }

TEST_F(GoingLive, TheSandboxRefusesADatabaseThatIsNotASandboxsAndChangesNothing) {
  const std::string real = dir_ + "/shop.db";
  MakeForeignDatabase(real);
  const std::string before = FileBytes(real);
  auto [code, out] =
      RunTgate({"sandbox", "--db", real, "--listen", "127.0.0.1:0", "--emulator-port", "0"}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("is not a sandbox's database"), std::string::npos) << out;
  EXPECT_NE(out.find("--db"), std::string::npos) << out;
  EXPECT_EQ(FileBytes(real), before) << "the database was changed";

  const std::string notes = dir_ + "/notes.txt";
  std::ofstream(notes) << "not a database\n";
  std::tie(code, out) =
      RunTgate({"sandbox", "--db", notes, "--listen", "127.0.0.1:0", "--emulator-port", "0"}).Merged();
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("not even a SQLite file"), std::string::npos) << out;
  EXPECT_EQ(FileBytes(notes), "not a database\n");
}

TEST_F(GoingLive, TheSandboxStartsAfreshOnItsOwnDatabase) {
  const std::string db = dir_ + "/sandbox.db";
  for (int run = 0; run < 2; ++run) {
    Process p;
    ASSERT_TRUE(p.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "sandbox", "--db", db, "--listen",
                         "127.0.0.1:0", "--emulator-port", "0"},
                        {}, dir_ + "/sandbox-" + std::to_string(run)));
    ASSERT_TRUE(p.WaitForText("tgate listening on", std::chrono::seconds(15))) << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(std::chrono::seconds(20)), 0) << p.Stderr();
  }
}

TEST_F(GoingLive, ARelativeDbInAConfigFileLandsBesideTheFile) {
  StartEmulator();
  fs::create_directories(dir_ + "/etc");
  const std::string config = dir_ + "/etc/tgate.toml";
  std::ofstream(config) << "db = \"data/tgate.db\"\napi_key = \"" << kApiKey
                        << "\"\nlisten = \"127.0.0.1:0\"\n";
  fs::create_directories(dir_ + "/etc/data");
  Process p;
  ASSERT_TRUE(p.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "--config", config, "serve"},
                      {{"TGATE_BOT_TOKEN", kToken},
                       {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
                       {"TGATE_LONG_POLLING", "true"}},
                      dir_ + "/relative"));
  ASSERT_TRUE(p.WaitForText("tgate listening on", std::chrono::seconds(15))) << p.Stderr();
  EXPECT_TRUE(fs::exists(dir_ + "/etc/data/tgate.db")) << p.Stderr();
  EXPECT_FALSE(fs::exists(fs::current_path() / "data" / "tgate.db"));
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(std::chrono::seconds(20)), 0) << p.Stderr();
}

}  // namespace
}  // namespace tgate::itest
