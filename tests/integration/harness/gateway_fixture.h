// GatewayTest: a GoogleTest fixture that runs the real tgate-emulator and
// tgate processes on loopback with a fresh database in a temp directory, and
// offers the calls integration tests need (site API, emulator control API,
// the full link flow). TearDown scans every log the processes wrote and fails
// the test if the bot token appears in any of them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/http_call.h"
#include "harness/process.h"

namespace tgate::itest {

// Fake, but shaped like a real token so HttpBotApi accepts it.
inline constexpr char kToken[] = "123456789:ITEST_fake_token_for_integration_tests_x";
inline constexpr char kTokenSecretPart[] = "ITEST_fake_token_for_integration_tests_x";
inline constexpr char kApiKey[] = "itest-api-key";
inline constexpr char kHookPath[] = "itest_hook_path_0123456789";
inline constexpr char kHookSecret[] = "itest-secret_0123";

struct TgateOptions {
  bool long_polling = false;
  bool set_webhook = true;                 // register tgate's webhook with the emulator
  bool wait_for_username = true;           // wait until getMe answered (false: Telegram may be down)
  std::map<std::string, std::string> env;  // extra TGATE_* variables
};

// What a run of tgate to completion left: its exit code (as Process::Wait
// reports it; -1 if it was still running at the timeout) and its output.
struct TgateRun {
  int code = -1;
  std::string out, err;
  // (exit code, stdout then stderr): what a test that looks for a message
  // anywhere in the output wants.
  std::pair<int, std::string> Merged() const { return {code, out + err}; }
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the emulator with extra flags (limits, latency).
  void StartEmulator(const std::vector<std::string>& flags = {});
  // Starts tgate serve against the emulator; waits until it listens and knows its username.
  void StartTgate(const TgateOptions& options = {});
  // Runs `tgate args...` to completion (at most `timeout`) with the current
  // environment plus `env`; its logs go beside the others (scanned for the
  // token at TearDown), numbered by tgate_runs_.
  TgateRun RunTgate(std::vector<std::string> args, const std::map<std::string, std::string>& env = {},
                    std::chrono::seconds timeout = std::chrono::seconds(20));
  // SIGKILL, then wait.
  void KillTgate();
  // SIGTERM, then wait; returns the exit code.
  int StopTgate();

  HttpAnswer Api(const std::string& method, const std::string& target, const std::string& body = "",
                 std::map<std::string, std::string> headers = {});
  HttpAnswer Emu(const std::string& method, const std::string& target, const std::string& body = "");
  // POSTs an update to tgate's webhook as Telegram would.
  HttpAnswer Hook(const std::string& body, const std::string& secret = kHookSecret,
                  const std::string& path = kHookPath);

  // Links site user `user` to Telegram user `tg_user` through the emulator.
  void LinkUser(const std::string& user, int64_t tg_user);
  // Messages the emulator accepted for `chat_id` ("" = all), in order.
  std::vector<std::string> SentTexts(int64_t chat_id);
  // Runs `sql` on tgate's database file through a connection of our own.
  void Sql(const std::string& sql);

  // Polls `pred` every 20 ms until true or `timeout`.
  static bool WaitUntil(const std::function<bool()>& pred,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::string dir_;
  uint16_t emu_port_ = 0;
  uint16_t tgate_port_ = 0;
  std::unique_ptr<Process> emulator_;
  std::unique_ptr<Process> tgate_;
  int tgate_runs_ = 0;
  TgateOptions last_options_;
};

}  // namespace tgate::itest
