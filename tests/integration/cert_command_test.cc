// `tgate cert self-signed`, through the real binary: the files, their modes,
// the refusal to overwrite, and clear non-zero exits for a bad host or folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "harness/process.h"

namespace tgate::itest {
namespace {

namespace fs = std::filesystem;

class CertCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "tgate-cert-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::pair<int, std::string> Run(std::vector<std::string> args) {
    args.insert(args.begin(), std::string(TGATE_BINARY_DIR) + "/tgate");
    Process p;
    EXPECT_TRUE(p.Start(args, {}, dir_ + "/run-" + std::to_string(++runs_)));
    int code = p.Wait(std::chrono::seconds(30));
    return {code, p.Stdout() + p.Stderr()};
  }
  static unsigned Mode(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
  }

  std::string dir_;
  int runs_ = 0;
};

TEST_F(CertCommand, WritesAPrivateKeyAndACertificateAndSaysWhatNext) {
  fs::create_directory(dir_ + "/tls");
  auto [code, out] =
      Run({"cert", "self-signed", "--host", "127.0.0.1", "--out", dir_ + "/tls", "--days", "30"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(Mode(dir_ + "/tls/key.pem"), 0600u);
  EXPECT_EQ(Mode(dir_ + "/tls/cert.pem"), 0644u);
  EXPECT_NE(ReadAll(dir_ + "/tls/cert.pem").find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(ReadAll(dir_ + "/tls/key.pem").find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(out.find("webhook_certificate"), std::string::npos) << out;
  EXPECT_NE(out.find("valid 30 days"), std::string::npos) << out;
}

TEST_F(CertCommand, RefusesToOverwriteNamingTheFileAndChangesNothing) {
  std::ofstream(dir_ + "/key.pem") << "the proxy's key";
  auto [code, out] = Run({"cert", "self-signed", "--host", "bot.example.com", "--out", dir_});
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find(dir_ + "/key.pem already exists"), std::string::npos) << out;
  EXPECT_NE(out.find("--out"), std::string::npos) << out;
  EXPECT_EQ(ReadAll(dir_ + "/key.pem"), "the proxy's key");
  EXPECT_FALSE(fs::exists(dir_ + "/cert.pem"));
}

TEST_F(CertCommand, ABadHostIsAClearNonZeroExitAndWritesNothing) {
  for (const char* host : {"https://bot.example.com", "bot.example.com:8443", "300.1.2.3", "bad host"}) {
    auto [code, out] = Run({"cert", "self-signed", "--host", host, "--out", dir_});
    EXPECT_NE(code, 0) << host << ": " << out;
    EXPECT_NE(out.find("error: --host"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir_ + "/key.pem")) << host;
    EXPECT_FALSE(fs::exists(dir_ + "/cert.pem")) << host;
  }
}

TEST_F(CertCommand, AMissingOutFolderOrHostIsRefused) {
  auto [code, out] = Run({"cert", "self-signed", "--host", "127.0.0.1", "--out", dir_ + "/nope"});
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("is not a folder"), std::string::npos) << out;
  auto [code2, out2] = Run({"cert", "self-signed"});
  EXPECT_NE(code2, 0) << out2;
  EXPECT_NE(out2.find("--host"), std::string::npos) << out2;
}

}  // namespace
}  // namespace tgate::itest
