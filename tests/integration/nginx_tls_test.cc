// Going live with deploy/'s route, for real: `tgate cert self-signed` makes
// the certificate, Debian's nginx runs the shipped site (deploy/nginx/tgate.conf,
// only ports and paths substituted) as an unprivileged foreground process in
// a temp folder, tgate sets the webhook itself with the certificate uploaded,
// and the emulator delivers over HTTPS through nginx trusting only that
// certificate, as Telegram does. Without the upload, delivery fails with the
// Bot API's "SSL error {...}".
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/free_port.h"
#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

namespace fs = std::filesystem;

constexpr char kNginx[] = "/usr/sbin/nginx";
constexpr char kCurl[] = "/usr/bin/curl";

// `text` with `from` replaced by `to`; fails the test when `from` is not in
// the shipped file (the test would no longer exercise it).
void Substitute(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "deploy/nginx/tgate.conf no longer contains '" << from << "'";
  text.replace(at, from.size(), to);
}

class NginxTls : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    ASSERT_TRUE(fs::exists(kNginx))
        << "nginx is missing: run scripts/install-deps.sh (Debian's nginx package)";
    nginx_dir_ = dir_ + "/nginx";
    tls_dir_ = dir_ + "/tls";
    fs::create_directories(nginx_dir_ + "/logs");
    fs::create_directories(tls_dir_);
  }

  void TearDown() override {
    // nginx stops by its pid, always: SIGTERM to the master stops its workers too.
    if (nginx_ && nginx_->running()) {
      nginx_->Signal(SIGTERM);
      EXPECT_NE(nginx_->Wait(std::chrono::seconds(10)), -1) << "nginx did not stop";
    }
    GatewayTest::TearDown();
  }

  // Runs the real tgate with `args`; returns the exit code and its output.
  std::pair<int, std::string> RunTgate(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(TGATE_BINARY_DIR) + "/tgate");
    Process p;
    EXPECT_TRUE(p.Start(args, {}, dir_ + "/run-" + std::to_string(++runs_)));
    int code = p.Wait(std::chrono::seconds(30));
    return {code, p.Stdout() + p.Stderr()};
  }

  void MakeCertificate() {
    auto [code, out] = RunTgate({"cert", "self-signed", "--host", "127.0.0.1", "--out", tls_dir_});
    ASSERT_EQ(code, 0) << out;
    struct stat st {};
    ASSERT_EQ(stat((tls_dir_ + "/key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }

  // The shipped site with this test's ports and files, inside a main config
  // that keeps every path (logs, temp files, pid) in the temp folder.
  void WriteNginxConfig() {
    std::string site = ReadAll(std::string(TGATE_SOURCE_DIR) + "/deploy/nginx/tgate.conf");
    ASSERT_FALSE(site.empty()) << "deploy/nginx/tgate.conf is missing";
    Substitute(site, "listen 8443 ssl;", "listen 127.0.0.1:" + std::to_string(nginx_port_) + " ssl;");
    Substitute(site, "server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(tgate_port_) + ";");
    Substitute(site, "/etc/tgate/tls/cert.pem", tls_dir_ + "/cert.pem");
    Substitute(site, "/etc/tgate/tls/key.pem", tls_dir_ + "/key.pem");
    std::ofstream(nginx_dir_ + "/tgate.conf") << site;
    const std::string& d = nginx_dir_;
    std::ofstream(d + "/nginx.conf") << "worker_processes 1;\n"
                                     << "error_log " << d << "/logs/error.log info;\n"
                                     << "events { worker_connections 64; }\n"
                                     << "http {\n"
                                     << "  access_log " << d << "/logs/access.log;\n"
                                     << "  client_body_temp_path " << d << "/client_body;\n"
                                     << "  proxy_temp_path " << d << "/proxy;\n"
                                     << "  fastcgi_temp_path " << d << "/fastcgi;\n"
                                     << "  uwsgi_temp_path " << d << "/uwsgi;\n"
                                     << "  scgi_temp_path " << d << "/scgi;\n"
                                     << "  include " << d << "/tgate.conf;\n"
                                     << "}\n";
  }

  std::vector<std::string> NginxArgs(const std::vector<std::string>& extra) {
    std::vector<std::string> argv{kNginx,
                                  "-p",
                                  nginx_dir_,
                                  "-c",
                                  nginx_dir_ + "/nginx.conf",
                                  "-e",
                                  nginx_dir_ + "/logs/error.log",
                                  "-g",
                                  "daemon off; pid " + nginx_dir_ + "/nginx.pid;"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // nginx -t on the generated config, then nginx in the foreground until TearDown.
  void StartNginx() {
    nginx_port_ = FreePort();
    if (!tgate_port_) tgate_port_ = FreePort();
    WriteNginxConfig();
    if (HasFatalFailure()) return;
    Process check;
    ASSERT_TRUE(check.Start(NginxArgs({"-t"}), {}, dir_ + "/nginx-t"));
    ASSERT_EQ(check.Wait(std::chrono::seconds(20)), 0) << check.Stderr();
    nginx_ = std::make_unique<Process>();
    ASSERT_TRUE(nginx_->Start(NginxArgs({}), {}, dir_ + "/nginx"));
    ASSERT_TRUE(WaitUntil([&] { return !Curl("/healthz").empty() || !nginx_->running(); }))
        << "nginx never answered on " << nginx_port_ << ": " << ReadAll(nginx_dir_ + "/logs/error.log");
    ASSERT_TRUE(nginx_->running()) << nginx_->Stderr() << ReadAll(nginx_dir_ + "/logs/error.log");
  }

  // curl over HTTPS to nginx, trusting the made certificate; the HTTP status
  // ("" when there was no answer).
  std::string Curl(const std::string& target, const std::string& auth = "") {
    std::vector<std::string> argv{
        kCurl,        "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", tls_dir_ + "/cert.pem",
        "--max-time", "10"};
    if (!auth.empty()) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + auth});
    argv.push_back("https://127.0.0.1:" + std::to_string(nginx_port_) + target);
    Process p;
    if (!p.Start(argv, {}, dir_ + "/curl")) return "";
    if (p.Wait(std::chrono::seconds(20)) != 0) return "";
    return p.Stdout();
  }

  std::string PublicUrl() const { return "https://127.0.0.1:" + std::to_string(nginx_port_); }
  boost::json::object WebhookInfo() {
    auto r = Emu("GET", std::string("/bot") + kToken + "/getWebhookInfo");
    return r.obj().at("result").as_object();
  }
  std::string Logs() { return tgate_ ? tgate_->Stdout() + tgate_->Stderr() : ""; }

  std::string nginx_dir_, tls_dir_;
  uint16_t nginx_port_ = 0;
  std::unique_ptr<Process> nginx_;
  int runs_ = 0;
};

TEST_F(NginxTls, TheEmulatorDeliversOverHttpsThroughNginxTrustingTheUploadedCertificate) {
  StartEmulator();
  ASSERT_NO_FATAL_FAILURE(MakeCertificate());
  ASSERT_NO_FATAL_FAILURE(StartNginx());
  TgateOptions o;
  o.set_webhook = false;  // tgate sets it, with the certificate
  o.env["TGATE_PUBLIC_URL"] = PublicUrl();
  o.env["TGATE_WEBHOOK_CERTIFICATE"] = tls_dir_ + "/cert.pem";
  StartTgate(o);
  const std::string expected = PublicUrl() + "/hooks/telegram/" + kHookPath;
  ASSERT_TRUE(WaitUntil([&] {
    auto info = WebhookInfo();
    return info.at("url").as_string() == expected && info.at("has_custom_certificate").as_bool();
  })) << boost::json::serialize(WebhookInfo())
      << Logs();

  // /start <token> goes emulator -> HTTPS -> nginx -> tgate, and links.
  LinkUser("42", 1001);
  EXPECT_FALSE(WebhookInfo().contains("last_error_message")) << boost::json::serialize(WebhookInfo());
  EXPECT_NE(ReadAll(nginx_dir_ + "/logs/access.log").find("POST /hooks/telegram/"), std::string::npos)
      << "the update did not go through nginx";

  // The site API through nginx too; /metrics stays on loopback.
  EXPECT_EQ(Curl("/v1/users/42", kApiKey), "200");
  EXPECT_EQ(Curl("/v1/users/42"), "401");
  EXPECT_EQ(Curl("/healthz"), "200");
  EXPECT_EQ(Curl("/metrics"), "404");
}

TEST_F(NginxTls, AWebhookSetWithoutTheCertificateFailsWithAnSslError) {
  StartEmulator();
  ASSERT_NO_FATAL_FAILURE(MakeCertificate());
  ASSERT_NO_FATAL_FAILURE(StartNginx());
  TgateOptions o;
  o.set_webhook = false;
  o.env["TGATE_PUBLIC_URL"] = PublicUrl();  // and no TGATE_WEBHOOK_CERTIFICATE
  StartTgate(o);
  ASSERT_TRUE(WaitUntil([&] { return WebhookInfo().at("url").as_string().rfind(PublicUrl(), 0) == 0; }))
      << Logs();
  EXPECT_FALSE(WebhookInfo().at("has_custom_certificate").as_bool());
  auto start = Emu("POST", "/control/start", R"({"user_id":1001,"payload":"nothing"})");
  ASSERT_EQ(start.status, 200) << start.body;
  ASSERT_TRUE(WaitUntil([&] { return WebhookInfo().contains("last_error_message"); }))
      << boost::json::serialize(WebhookInfo());
  const std::string error(WebhookInfo().at("last_error_message").as_string());
  EXPECT_EQ(error.rfind("SSL error {", 0), 0u) << error;
  EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
  EXPECT_EQ(ReadAll(nginx_dir_ + "/logs/access.log").find("POST /hooks/telegram/"), std::string::npos)
      << "an untrusted handshake must not reach tgate";
  EXPECT_GE(WebhookInfo().at("pending_update_count").as_int64(), 1);
}

}  // namespace
}  // namespace tgate::itest
