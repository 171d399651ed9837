// deploy/tgate.service as systemd 252 reads it: `systemd-analyze verify`
// (with ExecStart pointed at the built binary, since /usr/local/bin/tgate is
// where the operator installs it) must pass without a single warning: an
// unknown or misspelt hardening key is only warned about and then silently
// ignored, which would leave the service unhardened.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/process.h"

namespace tgate::itest {
namespace {

namespace fs = std::filesystem;

constexpr char kSystemdAnalyze[] = "/usr/bin/systemd-analyze";

std::string ShippedUnit() { return ReadAll(std::string(TGATE_SOURCE_DIR) + "/deploy/tgate.service"); }

TEST(SystemdUnit, VerifiesWithoutWarnings) {
  if (!fs::exists(kSystemdAnalyze))
    GTEST_SKIP() << "systemd is not installed in this image (no systemd-analyze)";
  std::string unit = ShippedUnit();
  const std::string exec = "ExecStart=/usr/local/bin/tgate serve";
  size_t at = unit.find(exec);
  ASSERT_NE(at, std::string::npos) << "deploy/tgate.service no longer runs " << exec;
  unit.replace(at, exec.size(), "ExecStart=" + std::string(TGATE_BINARY_DIR) + "/tgate serve");
  std::string dir = (fs::temp_directory_path() / "tgate-unit-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::ofstream(dir + "/tgate.service") << unit;
  Process p;
  ASSERT_TRUE(p.Start({kSystemdAnalyze, "verify", dir + "/tgate.service"}, {}, dir + "/verify"));
  EXPECT_EQ(p.Wait(std::chrono::seconds(60)), 0) << p.Stderr();
  EXPECT_EQ(p.Stdout() + p.Stderr(), "") << "systemd-analyze verify warned";
  fs::remove_all(dir);
}

TEST(SystemdUnit, RunsAsADedicatedUserWithTheHardeningKeys) {
  const std::string unit = ShippedUnit();
  for (const char* line :
       {"User=tgate", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/tgate", "ProtectHome=yes", "EnvironmentFile=/etc/tgate/tgate.env",
        "CapabilityBoundingSet=\n", "Environment=TGATE_DB=/var/lib/tgate/tgate.db"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << "deploy/tgate.service lacks " << line;
  }
  EXPECT_EQ(unit.find("User=root"), std::string::npos);
}

}  // namespace
}  // namespace tgate::itest
