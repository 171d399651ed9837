#include "harness/cluster_fixture.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace tgate::itest {

namespace fs = std::filesystem;

void ClusterTest::SetUp() {
  db_ = pg::TestDatabase::Create();
  if (!db_) GTEST_SKIP() << pg::kNoTestServer;
  std::string tmpl = (fs::temp_directory_path() / "tgate-cluster-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
}

void ClusterTest::TearDown() {
  for (auto& t : tgates_)
    if (t) t->Signal(SIGTERM);
  for (auto& t : tgates_)
    if (t) t->Wait(std::chrono::seconds(10));
  if (emulator_) emulator_->Signal(SIGTERM), emulator_->Wait(std::chrono::seconds(5));
  if (dir_.empty()) return;
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
  db_.reset();  // drops the database (WITH (FORCE))
}

void ClusterTest::StartEmulator(const std::vector<std::string>& flags) {
  emulator_ = std::make_unique<Process>();
  std::vector<std::string> argv{std::string(TGATE_BINARY_DIR) + "/tgate-emulator", "--listen", "127.0.0.1:0",
                                "--token", kToken};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ASSERT_TRUE(emulator_->Start(argv, {}, dir_ + "/emulator"));
  auto port = emulator_->WaitForText("listening on 127.0.0.1:", std::chrono::seconds(10));
  ASSERT_TRUE(port) << emulator_->Stderr();
  emu_port_ = static_cast<uint16_t>(std::stoi(*port));
}

std::string ClusterTest::HostOf(size_t i) {
  // All resolve to 127.0.0.1 (where the emulator listens) yet differ in the
  // Host header the emulator records.
  static const char* kHosts[] = {"127.0.0.1", "localhost", "127.1", "127.0.1", "2130706433"};
  return kHosts[i % (sizeof(kHosts) / sizeof(kHosts[0]))];
}

size_t ClusterTest::StartTgate(size_t i, const TgateOptions& options) {
  if (i >= tgates_.size()) {
    i = tgates_.size();
    tgates_.emplace_back();
    ports_.push_back(0);
    runs_.push_back(0);
  }
  ++runs_[i];
  std::map<std::string, std::string> env{
      {"TGATE_BOT_TOKEN", kToken},
      {"TGATE_BOT_API_URL", "http://" + HostOf(i) + ":" + std::to_string(emu_port_)},
      {"TGATE_API_KEY", kApiKey},
      {"TGATE_LISTEN", "127.0.0.1:" + std::to_string(ports_[i])},
      // Its own application_name, so a test can find (and cut) its connections.
      {"TGATE_DB", db_->url() + (db_->url().find('?') == std::string::npos ? "?" : "&") +
                       "application_name=itest-tgate" + std::to_string(i)},
      {"TGATE_WEBHOOK_PATH", kHookPath},
      {"TGATE_WEBHOOK_SECRET", kHookSecret},
      {"TGATE_LONG_POLLING", "false"},
      {"TGATE_LOG_LEVEL", "debug"},
  };
  for (const auto& [k, v] : options.env) env[k] = v;
  tgates_[i] = std::make_unique<Process>();
  std::string prefix = dir_ + "/tgate" + std::to_string(i) + "-" + std::to_string(runs_[i]);
  EXPECT_TRUE(tgates_[i]->Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"}, env, prefix));
  auto listen = tgates_[i]->WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(20));
  EXPECT_TRUE(listen) << "instance " << i << ": " << tgates_[i]->Stderr();
  if (!listen) return i;
  ports_[i] = static_cast<uint16_t>(std::stoi(*listen));
  EXPECT_TRUE(tgates_[i]->WaitForText("Telegram knows it as @", std::chrono::seconds(20)))
      << tgates_[i]->Stderr();
  return i;
}

void ClusterTest::StartCluster(size_t n, const std::map<std::string, std::string>& limits,
                               std::map<std::string, std::string> env) {
  static const std::map<std::string, std::string> kEnv{{"--global-per-sec", "TGATE_LIMIT_GLOBAL_PER_SEC"},
                                                       {"--chat-per-sec", "TGATE_LIMIT_CHAT_PER_SEC"},
                                                       {"--chat-burst", "TGATE_LIMIT_CHAT_BURST"},
                                                       {"--latency-ms", ""}};
  std::vector<std::string> flags;
  for (const auto& [flag, value] : limits) {
    flags.insert(flags.end(), {flag, value});
    if (auto it = kEnv.find(flag); it != kEnv.end() && !it->second.empty()) env[it->second] = value;
  }
  StartEmulator(flags);
  for (size_t i = 0; i < n; ++i) StartTgate(TgateOptions{.env = env});
  ASSERT_FALSE(HasFailure()) << "the cluster did not start";
  SetWebhook(0);
  owner_ = WaitForOwner(-1, std::chrono::seconds(15));
  ASSERT_GE(owner_, 0) << "no instance took the bot";
}

std::map<int64_t, int> ClusterTest::Received(const std::string& text) {
  std::map<int64_t, int> n;
  for (const auto& s : Sent())
    if (s.text == text) ++n[s.chat_id];
  return n;
}

void ClusterTest::SetWebhook(size_t i) {
  boost::json::object p{
      {"url", "http://127.0.0.1:" + std::to_string(ports_[i]) + "/hooks/telegram/" + kHookPath},
      {"secret_token", kHookSecret}};
  auto r = Emu("POST", std::string("/bot") + kToken + "/setWebhook", boost::json::serialize(p));
  ASSERT_EQ(r.status, 200) << r.body;
}

void ClusterTest::KillTgate(size_t i) {
  tgates_[i]->Signal(SIGKILL);
  tgates_[i]->Wait(std::chrono::seconds(10));
}

int ClusterTest::StopTgate(size_t i) {
  tgates_[i]->Signal(SIGTERM);
  return tgates_[i]->Wait(std::chrono::seconds(20));
}

HttpAnswer ClusterTest::Api(size_t i, const std::string& method, const std::string& target,
                            const std::string& body, std::map<std::string, std::string> headers) {
  if (!headers.count("Authorization")) headers["Authorization"] = std::string("Bearer ") + kApiKey;
  return TgateCall(ports_[i], method, target, body, headers);
}

HttpAnswer ClusterTest::Emu(const std::string& method, const std::string& target, const std::string& body) {
  return HttpCall(emu_port_, method, target, body);
}

HttpAnswer ClusterTest::Hook(size_t i, const std::string& body) {
  return TgateCall(ports_[i], "POST", std::string("/hooks/telegram/") + kHookPath, body,
                   {{"X-Telegram-Bot-Api-Secret-Token", kHookSecret}});
}

boost::json::object ClusterTest::EmuStats() {
  auto r = Emu("GET", "/control/stats");
  if (!r.json.is_object()) {
    ADD_FAILURE() << "emulator stats: " << r.status << " " << r.body;
    return {};
  }
  return r.json.as_object();
}

void ClusterTest::LinkUser(size_t i, const std::string& user, int64_t tg_user) {
  auto link = Api(i, "POST", "/v1/links", R"({"user":")" + user + R"("})");
  ASSERT_EQ(link.status, 201) << link.body;
  auto start =
      Emu("POST", "/control/start",
          R"({"user_id":)" + std::to_string(tg_user) + R"(,"payload":")" + link.Str("token") + R"("})");
  ASSERT_EQ(start.status, 200) << start.body;
  ASSERT_TRUE(WaitUntil([&] { return Api(i, "GET", "/v1/users/" + user).status == 200; }))
      << "user " << user << " never linked";
}

std::vector<SentRecord> ClusterTest::Sent(int64_t chat_id) {
  auto r = Emu("GET", chat_id != 0 ? "/control/sent?chat_id=" + std::to_string(chat_id) : "/control/sent");
  std::vector<SentRecord> out;
  if (!r.json.is_object()) return out;
  if (const auto* msgs = r.obj().if_contains("messages"); msgs && msgs->is_array()) {
    for (const auto& v : msgs->as_array()) {
      const auto& m = v.as_object();
      SentRecord s;
      s.chat_id = m.at("chat_id").to_number<int64_t>();
      s.text = m.at("text").as_string();
      s.t_ms = m.at("t_ms").to_number<int64_t>();
      if (const auto* h = m.if_contains("host"); h && h->is_string()) s.host = h->as_string();
      out.push_back(std::move(s));
    }
  }
  return out;
}

int ClusterTest::Owner() {
  int owner = -1;
  for (size_t i = 0; i < tgates_.size(); ++i) {
    if (!Running(i)) continue;
    auto r = Api(i, "GET", "/metrics");
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      // The test bot only: the cluster-wide jobs (~events, ~pruner) are
      // leases too, each owned by some instance.
      if (line.rfind("tgate_bot_owned{bot=\"default\"}", 0) != 0) continue;
      if (line.size() >= 2 && line.compare(line.size() - 2, 2, " 1") == 0) {
        // Two claims: the instances are read one after the other, so a
        // handover (the rebalance right after a second instance starts) can
        // be seen before on one and after on the other. Not settled yet: the
        // caller asks again. (That each message goes once is what the tests
        // check, from what the emulator received.)
        if (owner != -1) return -1;
        owner = static_cast<int>(i);
      }
    }
  }
  return owner;
}

int ClusterTest::WaitForOwner(int not_this, std::chrono::milliseconds timeout) {
  int owner = -1;
  WaitUntil(
      [&] {
        owner = Owner();
        return owner >= 0 && owner != not_this;
      },
      timeout);
  return owner != not_this ? owner : -1;
}

std::string ClusterTest::PgSql(const std::string& sql) {
  PGconn* conn = PQconnectdb(db_->url().c_str());
  std::string value;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "connect: " << PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    else if (st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0)
      value = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(conn);
  return value;
}

bool ClusterTest::WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace tgate::itest
