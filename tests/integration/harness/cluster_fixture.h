// ClusterTest: a GoogleTest fixture for tgate as a cluster: one
// tgate-emulator, several `tgate serve` processes (each with its own listen
// port and logs) on one fresh PostgreSQL database made from TGATE_TEST_PG, so
// tests can kill, stop and cut off instances and read what Telegram (the
// emulator) saw. Skips (GTEST_SKIP) when TGATE_TEST_PG is unset. Instance i
// reaches the emulator through its own host name (127.0.0.1, localhost,
// 127.1, ...), which the emulator records per sent message ("host"), so a
// test can tell which instance sent what. TearDown fails the test if the bot
// token shows in any log. Not a load generator
// (bench/cluster_bench does that).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/gateway_fixture.h"
#include "harness/http_call.h"
#include "harness/process.h"
#include "pg/pg_test_util.h"

namespace tgate::itest {

// One sendMessage the emulator accepted.
struct SentRecord {
  int64_t chat_id = 0;
  std::string text;
  int64_t t_ms = 0;  // arrival, Unix milliseconds
  std::string host;  // the Host header: which instance sent it (ClusterTest::HostOf)
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void StartEmulator(const std::vector<std::string>& flags = {});
  // Starts instance `i` (a new one when i == count()), restarting it on its
  // old port when it ran before; waits until it listens and knows the bot.
  // Returns its index.
  size_t StartTgate(size_t i, const TgateOptions& options = {});
  size_t StartTgate(const TgateOptions& options = {}) { return StartTgate(count(), options); }
  // Registers instance i's webhook with the emulator.
  // The emulator at `limits` (flag -> value, e.g. {"--global-per-sec", "10"})
  // and `n` instances set to the same limits (and `env`); the webhook goes to
  // instance 0; owner_ is the bot's owner once one took it.
  void StartCluster(size_t n, const std::map<std::string, std::string>& limits,
                    std::map<std::string, std::string> env = {});
  // Counts of `text` received per chat.
  std::map<int64_t, int> Received(const std::string& text);
  void SetWebhook(size_t i);
  void KillTgate(size_t i);  // SIGKILL, then wait
  int StopTgate(size_t i);   // SIGTERM, then wait; the exit code
  bool Running(size_t i) { return tgates_[i] && tgates_[i]->running(); }
  size_t count() const { return tgates_.size(); }

  HttpAnswer Api(size_t i, const std::string& method, const std::string& target, const std::string& body = "",
                 std::map<std::string, std::string> headers = {});
  HttpAnswer Emu(const std::string& method, const std::string& target, const std::string& body = "");
  HttpAnswer Hook(size_t i, const std::string& body);
  boost::json::object EmuStats();

  // Links site user `user` to Telegram user `tg_user`, the token made on
  // instance `i`.
  void LinkUser(size_t i, const std::string& user, int64_t tg_user);
  // The emulator's accepted messages (chat 0: all), in arrival order.
  std::vector<SentRecord> Sent(int64_t chat_id = 0);
  // The host name instance i reaches the emulator by.
  static std::string HostOf(size_t i);
  // The instance whose /metrics says it owns the bot "default"
  // (tgate_bot_owned{bot="default"} 1), or
  // -1 when none does, or more than one (read one after the other, the
  // instances can be caught on both sides of a handover: ask again).
  int Owner();
  // Waits until some instance other than `not_this` owns the bot; -1 on timeout.
  int WaitForOwner(int not_this, std::chrono::milliseconds timeout);

  // Runs `sql` on the cluster's database through a connection of our own;
  // the first column of the first row ("" if none). Fails the test on error.
  std::string PgSql(const std::string& sql);

  static bool WaitUntil(const std::function<bool()>& pred,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

  int owner_ = -1;  // StartCluster's
  std::string dir_;
  std::unique_ptr<pg::TestDatabase> db_;
  uint16_t emu_port_ = 0;
  std::unique_ptr<Process> emulator_;
  std::vector<std::unique_ptr<Process>> tgates_;
  std::vector<uint16_t> ports_;
  std::vector<int> runs_;
};

}  // namespace tgate::itest
