#include "harness/gateway_fixture.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

namespace tgate::itest {

namespace fs = std::filesystem;

void GatewayTest::SetUp() {
  std::string tmpl = (fs::temp_directory_path() / "tgate-itest-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
}

void GatewayTest::TearDown() {
  if (tgate_) tgate_->Signal(SIGTERM), tgate_->Wait(std::chrono::seconds(10));
  if (emulator_) emulator_->Signal(SIGTERM), emulator_->Wait(std::chrono::seconds(5));
  // No log line of any process may contain the token's secret part.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::string ext = entry.path().extension().string();
    if (ext != ".out" && ext != ".err") continue;
    std::string text = ReadAll(entry.path().string());
    EXPECT_EQ(text.find(kTokenSecretPart), std::string::npos) << "bot token leaked into " << entry.path();
  }
  if (!HasFailure())
    fs::remove_all(dir_);
  else
    std::cerr << "logs kept in " << dir_ << std::endl;
}

void GatewayTest::StartEmulator(const std::vector<std::string>& flags) {
  emulator_ = std::make_unique<Process>();
  std::vector<std::string> argv{std::string(TGATE_BINARY_DIR) + "/tgate-emulator", "--listen", "127.0.0.1:0",
                                "--token", kToken};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ASSERT_TRUE(emulator_->Start(argv, {}, dir_ + "/emulator"));
  auto port = emulator_->WaitForText("listening on 127.0.0.1:", std::chrono::seconds(10));
  ASSERT_TRUE(port) << emulator_->Stderr();
  emu_port_ = static_cast<uint16_t>(std::stoi(*port));
}

void GatewayTest::StartTgate(const TgateOptions& options) {
  last_options_ = options;
  ++tgate_runs_;
  std::map<std::string, std::string> env{
      {"TGATE_BOT_TOKEN", kToken},
      {"TGATE_BOT_API_URL", "http://127.0.0.1:" + std::to_string(emu_port_)},
      {"TGATE_API_KEY", kApiKey},
      {"TGATE_LISTEN", tgate_port_ ? "127.0.0.1:" + std::to_string(tgate_port_) : "127.0.0.1:0"},
      {"TGATE_DB", dir_ + "/tgate.db"},
      {"TGATE_WEBHOOK_PATH", kHookPath},
      {"TGATE_WEBHOOK_SECRET", kHookSecret},
      {"TGATE_LONG_POLLING", options.long_polling ? "true" : "false"},
      {"TGATE_LOG_LEVEL", "debug"},
  };
  for (const auto& [k, v] : options.env) env[k] = v;
  tgate_ = std::make_unique<Process>();
  ASSERT_TRUE(tgate_->Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"}, env,
                            dir_ + "/tgate-" + std::to_string(tgate_runs_)));
  auto listen = tgate_->WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(15));
  ASSERT_TRUE(listen) << tgate_->Stderr();
  tgate_port_ = static_cast<uint16_t>(std::stoi(*listen));
  if (options.wait_for_username) {
    ASSERT_TRUE(tgate_->WaitForText("Telegram knows it as @", std::chrono::seconds(15))) << tgate_->Stderr();
  }
  if (!options.long_polling && options.set_webhook) {
    boost::json::object p{
        {"url", "http://127.0.0.1:" + std::to_string(tgate_port_) + "/hooks/telegram/" + kHookPath},
        {"secret_token", kHookSecret}};
    auto r = Emu("POST", std::string("/bot") + kToken + "/setWebhook", boost::json::serialize(p));
    ASSERT_EQ(r.status, 200) << r.body;
  }
}

TgateRun GatewayTest::RunTgate(std::vector<std::string> args, const std::map<std::string, std::string>& env,
                               std::chrono::seconds timeout) {
  args.insert(args.begin(), std::string(TGATE_BINARY_DIR) + "/tgate");
  Process p;
  EXPECT_TRUE(p.Start(args, env, dir_ + "/tgate-" + std::to_string(++tgate_runs_)));
  TgateRun run;
  run.code = p.Wait(timeout);
  run.out = p.Stdout();
  run.err = p.Stderr();
  return run;
}

void GatewayTest::KillTgate() {
  tgate_->Signal(SIGKILL);
  tgate_->Wait(std::chrono::seconds(10));
}

int GatewayTest::StopTgate() {
  tgate_->Signal(SIGTERM);
  return tgate_->Wait(std::chrono::seconds(20));
}

HttpAnswer GatewayTest::Api(const std::string& method, const std::string& target, const std::string& body,
                            std::map<std::string, std::string> headers) {
  if (!headers.count("Authorization")) headers["Authorization"] = std::string("Bearer ") + kApiKey;
  return TgateCall(tgate_port_, method, target, body, headers);
}

HttpAnswer GatewayTest::Emu(const std::string& method, const std::string& target, const std::string& body) {
  return HttpCall(emu_port_, method, target, body);
}

HttpAnswer GatewayTest::Hook(const std::string& body, const std::string& secret, const std::string& path) {
  std::map<std::string, std::string> h;
  if (!secret.empty()) h["X-Telegram-Bot-Api-Secret-Token"] = secret;
  return TgateCall(tgate_port_, "POST", "/hooks/telegram/" + path, body, h);
}

void GatewayTest::LinkUser(const std::string& user, int64_t tg_user) {
  auto link = Api("POST", "/v1/links", R"({"user":")" + user + R"("})");
  ASSERT_EQ(link.status, 201) << link.body;
  auto start =
      Emu("POST", "/control/start",
          R"({"user_id":)" + std::to_string(tg_user) + R"(,"payload":")" + link.Str("token") + R"("})");
  ASSERT_EQ(start.status, 200) << start.body;
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", "/v1/users/" + user).status == 200; }))
      << "user never linked";
}

std::vector<std::string> GatewayTest::SentTexts(int64_t chat_id) {
  auto r = Emu("GET", "/control/sent?chat_id=" + std::to_string(chat_id));
  std::vector<std::string> texts;
  if (const auto* msgs = r.obj().if_contains("messages"); msgs && msgs->is_array()) {
    for (const auto& m : msgs->as_array()) texts.emplace_back(m.at("text").as_string());
  }
  return texts;
}

bool GatewayTest::WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

void GatewayTest::Sql(const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/tgate.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

}  // namespace tgate::itest
