// tgate as a cluster (issue 13): two or three `tgate serve` processes on one
// PostgreSQL database against the emulator. Telegram's limits hold across
// instances, only the bot's owner sends, ownership moves after kill -9, after
// the owner is cut off the database (its role refused, its connections
// terminated), and at once on SIGTERM; webhooks,
// idempotency keys and link tokens work on any instance, once. Each test
// makes its own database from TGATE_TEST_PG and skips when it is unset.
// `tgate instances` lists the running instances and the bot's owner.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "harness/cluster_fixture.h"
#include "pg/pg_test_util.h"

namespace tgate::itest {
namespace {

// Sends under way at once in the failover tests: what a crash or a cut may
// leave sent but unrecorded.
constexpr int kMaxInFlight = 4;

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Cluster : public ClusterTest {
 protected:
  // Links n users and waits until each got its welcome message and a
  // chat's second past it: what a test sends next is then alone in each
  // chat's window (on a loaded machine a welcome written late and the next
  // message to its chat written on time may land under a second apart, a
  // 429 from the emulator's strict per-chat rule that is not the test's).
  void LinkUsers(int n) {
    for (int u = 0; u < n; ++u) LinkUser(u % count(), "u" + std::to_string(u), kChat0 + u);
    ASSERT_TRUE(WaitUntil([&] { return static_cast<int>(Received(kWelcome).size()) == n; }, seconds(30)))
        << Received(kWelcome).size() << " of " << n << " welcome messages arrived";
    std::this_thread::sleep_for(milliseconds(1100));
  }
  int64_t Broadcast(size_t via, const std::string& text) {
    auto b = Api(via, "POST", "/v1/broadcasts", R"({"all":true,"text":")" + text + R"("})");
    EXPECT_EQ(b.status, 202) << b.body;
    return b.Int("id");
  }
  bool AllReceived(const std::string& text, int users) {
    return static_cast<int>(Received(text).size()) == users;
  }
  // `tgate instances --json` on the cluster's database: the parsed object.
  boost::json::object InstancesJson() {
    Process p;
    EXPECT_TRUE(p.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "instances", "--json", "--db", db_->url()},
                        {}, dir_ + "/instances-" + std::to_string(++instances_runs_)));
    EXPECT_EQ(p.Wait(seconds(20)), 0) << p.Stderr();
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(p.Stdout(), ec);
    EXPECT_FALSE(ec) << p.Stdout() << p.Stderr();
    return v.is_object() ? v.as_object() : boost::json::object{};
  }
  static constexpr int64_t kChat0 = 7000;
  static constexpr const char* kWelcome = "You're connected! You'll get notifications here.";  // the default
  int instances_runs_ = 0;
};

TEST_F(Cluster, LimitsHoldAcrossInstancesAndEachMessageGoesOnce) {
  ASSERT_NO_FATAL_FAILURE(
      StartCluster(3, {{"--global-per-sec", "60"}, {"--chat-per-sec", "4"}, {"--chat-burst", "4"}}));
  const int kUsers = 15;
  ASSERT_NO_FATAL_FAILURE(LinkUsers(kUsers));
  ASSERT_EQ(Emu("POST", "/control/reset").status, 200);  // forget the welcome messages
  Broadcast(1, "news");
  // One-to-one messages through every instance, three per user.
  for (int k = 0; k < 3; ++k) {
    for (int u = 0; u < kUsers; ++u) {
      auto r = Api((u + k) % count(), "POST", "/v1/messages",
                   R"({"user":"u)" + std::to_string(u) + R"(","text":"d)" + std::to_string(k) + R"("})");
      ASSERT_EQ(r.status, 202) << r.body;
    }
  }
  ASSERT_TRUE(WaitUntil(
      [&] { return AllReceived("news", kUsers) && AllReceived("d0", kUsers) && AllReceived("d2", kUsers); },
      seconds(60)));
  std::this_thread::sleep_for(milliseconds(500));  // a double send would show by now
  auto stats = EmuStats();
  EXPECT_EQ(stats.at("rate_limited").to_number<int64_t>(), 0) << boost::json::serialize(stats);
  for (const char* text : {"news", "d0", "d1", "d2"}) {
    auto got = Received(text);
    EXPECT_EQ(got.size(), static_cast<size_t>(kUsers)) << text;
    for (const auto& [chat, n] : got)
      EXPECT_EQ(n, 1) << "'" << text << "' sent " << n << " times to " << chat;
  }
  // Only the owner talked to Telegram.
  std::set<std::string> hosts;
  for (const auto& s : Sent()) hosts.insert(s.host);
  EXPECT_EQ(hosts.size(), 1u);
  if (hosts.size() == 1) {
    EXPECT_EQ(hosts.begin()->rfind(HostOf(owner_), 0), 0u) << *hosts.begin();
  }
}

TEST_F(Cluster, KillNineOfTheOwnerMidBroadcastFailsOverWithinTheBound) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, {{"--global-per-sec", "10"}, {"--latency-ms", "50"}},
                                       {{"TGATE_LIMIT_MAX_IN_FLIGHT", std::to_string(kMaxInFlight)}}));
  const int kUsers = 40;
  ASSERT_NO_FATAL_FAILURE(LinkUsers(kUsers));
  ASSERT_EQ(Emu("POST", "/control/reset").status, 200);
  Broadcast((owner_ + 1) % count(), "news");
  ASSERT_TRUE(WaitUntil([&] { return Received("news").size() >= 8; }, seconds(20)));
  std::string old_host = HostOf(owner_);
  int64_t killed_at = NowMs();
  KillTgate(owner_);
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& s : Sent())
          if (s.host.rfind(old_host, 0) != 0) return true;
        return false;
      },
      seconds(30)))
      << "no other instance sent after the owner's kill -9";
  int64_t resumed_at = 0;
  for (const auto& s : Sent())
    if (s.host.rfind(old_host, 0) != 0) {
      resumed_at = s.t_ms;
      break;
    }
  std::cout << "failover after kill -9: " << (resumed_at - killed_at)
            << " ms to the next send (target <= 7000)" << std::endl;
  // The design's bound is a few seconds (lease 4 s + a beat); a loaded machine
  // gets slack here, bench/cluster_bench holds the 7 s target.
  EXPECT_LE(resumed_at - killed_at, 15000);
  ASSERT_TRUE(WaitUntil([&] { return AllReceived("news", kUsers); }, seconds(60)))
      << Received("news").size() << " of " << kUsers << " received the broadcast: accepted messages lost";
  std::this_thread::sleep_for(milliseconds(500));
  int duplicates = 0;
  for (const auto& [chat, n] : Received("news")) duplicates += n - 1;
  std::cout << "duplicates after kill -9: " << duplicates << " (bound: max_in_flight " << kMaxInFlight << ")"
            << std::endl;
  EXPECT_LE(duplicates, kMaxInFlight);
  EXPECT_EQ(EmuStats().at("rate_limited").to_number<int64_t>(), 0);
}

// Each instance logs in as a role of its own, so the owner can be cut off
// the database for real: NOLOGIN and its connections terminated, so its
// reconnects fail too (terminating connections alone is not enough: the
// lease keeper reconnects and renews within milliseconds). Then LOGIN again.
class ClusterCut : public Cluster {
 protected:
  void TearDown() override {
    Cluster::TearDown();  // stops the instances, drops the database
    for (const std::string& role : roles_) {
      std::string error = pg::ExecSql(pg::PgTestUrl(), "DROP ROLE IF EXISTS " + role);
      EXPECT_EQ(error, "") << role;
    }
  }
  // Starts instance i logging in as role `role` (a superuser: it migrates).
  void StartAs(const std::string& role, std::map<std::string, std::string> env) {
    ASSERT_EQ(pg::ExecSql(pg::PgTestUrl(), "CREATE ROLE " + role + " SUPERUSER LOGIN"), "");
    roles_.push_back(role);
    std::string url = db_->url();
    const size_t user = url.find("://postgres@");
    ASSERT_NE(user, std::string::npos) << "expected the test server's URL to name the user postgres";
    url.replace(user, std::string("://postgres@").size(), "://" + role + "@");
    env["TGATE_DB"] = url + (url.find('?') == std::string::npos ? "?" : "&") +
                      "application_name=itest-tgate" + std::to_string(count());
    StartTgate(TgateOptions{.env = env});
  }
  std::vector<std::string> roles_;
};

TEST_F(ClusterCut, OwnerCutOffFromTheDatabaseStopsBeforeAnotherStarts) {
  StartEmulator({"--global-per-sec", "10", "--latency-ms", "20"});
  const std::map<std::string, std::string> env{{"TGATE_LIMIT_GLOBAL_PER_SEC", "10"},
                                               {"TGATE_LIMIT_MAX_IN_FLIGHT", std::to_string(kMaxInFlight)}};
  for (int i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(StartAs(db_->name() + "_r" + std::to_string(i), env));
  SetWebhook(0);
  owner_ = WaitForOwner(-1, seconds(15));
  ASSERT_GE(owner_, 0) << "no instance took the bot";
  const int kUsers = 40;
  ASSERT_NO_FATAL_FAILURE(LinkUsers(kUsers));
  ASSERT_EQ(Emu("POST", "/control/reset").status, 200);
  Broadcast(0, "news");
  ASSERT_TRUE(WaitUntil([&] { return Received("news").size() >= 5; }, seconds(20)));

  const std::string role = roles_[owner_];
  const std::string old_host = HostOf(owner_);
  PgSql("ALTER ROLE " + role + " NOLOGIN");
  const int64_t cut_at = NowMs();
  std::string terminated =
      PgSql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '" + role + "'");
  ASSERT_GT(std::stoi(terminated), 0) << "found no connection of instance " << owner_;
  // The other instance takes the bot once the lease expired (4 s), the old
  // owner having stopped a margin before.
  const int next = WaitForOwner(owner_, seconds(15));
  EXPECT_GE(next, 0) << "no other instance took the bot while the owner was cut off";
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& s : Sent())
          if (s.host.rfind(old_host, 0) != 0) return true;
        return false;
      },
      seconds(20)))
      << "no other instance sent while the owner was cut off";
  PgSql("ALTER ROLE " + role + " LOGIN");
  const int64_t back_at = NowMs();
  ASSERT_TRUE(WaitUntil([&] { return AllReceived("news", kUsers); }, seconds(60)))
      << Received("news").size() << " of " << kUsers << ": sending did not resume by itself";

  // In the emulator's log: the other instance's first send came after the
  // old owner's last one before it was let back (never two senders at once).
  int64_t first_new = -1, last_old_cut_off = -1;
  for (const auto& s : Sent()) {
    if (s.host.rfind(old_host, 0) != 0) {
      if (first_new < 0) first_new = s.t_ms;
    } else if (s.t_ms < back_at) {
      last_old_cut_off = s.t_ms;
    }
  }
  ASSERT_GE(first_new, 0);
  EXPECT_LT(last_old_cut_off, first_new) << "the old owner sent after another instance had started";
  std::cout << "owner cut off: it sent last " << (last_old_cut_off - cut_at) << " ms after the cut, the next "
            << "owner first " << (first_new - cut_at) << " ms after it" << std::endl;
  EXPECT_EQ(EmuStats().at("rate_limited").to_number<int64_t>(), 0);
  int duplicates = 0;
  for (const auto& [chat, n] : Received("news")) duplicates += n - 1;
  std::cout << "duplicates after the owner was cut off: " << duplicates << " (bound: max_in_flight "
            << kMaxInFlight << " + the outcome batch that failed)" << std::endl;
  // Once an outcome write fails the owner starts no new send: what the next
  // owner sends again is what was under way, and the batch whose write
  // failed (at 10/s, one or two sends).
  EXPECT_LE(duplicates, kMaxInFlight + 2);
}

TEST_F(Cluster, SigtermHandsTheBotOverAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(2, {{"--global-per-sec", "10"}}));
  const int kUsers = 30;
  ASSERT_NO_FATAL_FAILURE(LinkUsers(kUsers));
  ASSERT_EQ(Emu("POST", "/control/reset").status, 200);
  Broadcast(0, "news");
  ASSERT_TRUE(WaitUntil([&] { return Received("news").size() >= 5; }, seconds(20)));
  std::string old_host = HostOf(owner_);
  int64_t stopped_at = NowMs();
  EXPECT_EQ(StopTgate(owner_), 0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& s : Sent())
          if (s.host.rfind(old_host, 0) != 0) return true;
        return false;
      },
      seconds(20)));
  int64_t resumed_at = 0;
  for (const auto& s : Sent())
    if (s.host.rfind(old_host, 0) != 0) {
      resumed_at = s.t_ms;
      break;
    }
  std::cout << "handover after SIGTERM: " << (resumed_at - stopped_at)
            << " ms to the next send (target ~1000)" << std::endl;
  // Well under a lease (4 s): the handover did not wait for expiry.
  EXPECT_LT(resumed_at - stopped_at, 3500);
  ASSERT_TRUE(WaitUntil([&] { return AllReceived("news", kUsers); }, seconds(30)));
  for (const auto& [chat, n] : Received("news")) EXPECT_EQ(n, 1) << "a clean handover sent twice to " << chat;
}

std::string StartUpdate(int64_t update_id, int64_t user, const std::string& token) {
  std::string u = std::to_string(user);
  return R"({"update_id":)" + std::to_string(update_id) + R"(,"message":{"message_id":)" +
         std::to_string(update_id) + R"(,"date":1,"chat":{"id":)" + u +
         R"(,"type":"private"},"from":{"id":)" + u + R"(,"is_bot":false,"first_name":"x"},"text":"/start )" +
         token + R"(","entities":[{"type":"bot_command","offset":0,"length":6}]}})";
}

TEST_F(Cluster, WebhooksIdempotencyKeysAndLinkTokensWorkOnAnyInstanceOnce) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, {}));
  // `tgate instances`: the three, each at its listen address, and the bot
  // held by the one whose /metrics says it owns it, and by no other.
  {
    boost::json::object listed = InstancesJson();
    ASSERT_TRUE(listed.contains("instances")) << boost::json::serialize(listed);
    const auto& list = listed.at("instances").as_array();
    EXPECT_EQ(list.size(), 3u) << boost::json::serialize(listed);
    int holders = 0;
    for (const auto& v : list) {
      const auto& inst = v.as_object();
      bool holds = false;
      for (const auto& b : inst.at("bots").as_array()) holds |= b.as_string() == "default";
      if (!holds) continue;
      ++holders;
      EXPECT_EQ(inst.at("listen").as_string(), "127.0.0.1:" + std::to_string(ports_[owner_]))
          << boost::json::serialize(listed);
    }
    EXPECT_EQ(holders, 1) << boost::json::serialize(listed);
  }
  // The same update delivered to every instance: processed once (one welcome).
  auto link = Api(0, "POST", "/v1/links", R"({"user":"ann"})");
  ASSERT_EQ(link.status, 201) << link.body;
  std::string update = StartUpdate(500001, 8001, link.Str("token"));
  for (size_t i = 0; i < count(); ++i) EXPECT_EQ(Hook(i, update).status, 200) << i;
  ASSERT_TRUE(WaitUntil([&] { return Api(2, "GET", "/v1/users/ann").status == 200; }));
  EXPECT_EQ(Api(1, "GET", "/v1/users/ann").Int("chat_id"), 8001);
  ASSERT_TRUE(WaitUntil([&] { return !Sent(8001).empty(); }));
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(Sent(8001).size(), 1u) << "the update was processed more than once";

  // One Idempotency-Key on two instances: one message.
  std::string body = R"({"user":"ann","text":"once"})";
  auto a = Api(0, "POST", "/v1/messages", body, {{"Idempotency-Key", "k-cluster-1"}});
  auto b = Api(1, "POST", "/v1/messages", body, {{"Idempotency-Key", "k-cluster-1"}});
  ASSERT_EQ(a.status / 100, 2) << a.body;
  ASSERT_EQ(b.status / 100, 2) << b.body;
  EXPECT_EQ(a.Int("id"), b.Int("id"));
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& s : Sent(8001))
      if (s.text == "once") return true;
    return false;
  }));
  std::this_thread::sleep_for(milliseconds(1000));
  int once = 0;
  for (const auto& s : Sent(8001)) once += s.text == "once";
  EXPECT_EQ(once, 1);

  // One link token redeemed by two Telegram users on two instances: one wins.
  auto bob = Api(1, "POST", "/v1/links", R"({"user":"bob"})");
  ASSERT_EQ(bob.status, 201) << bob.body;
  EXPECT_EQ(Hook(0, StartUpdate(500002, 8002, bob.Str("token"))).status, 200);
  EXPECT_EQ(Hook(2, StartUpdate(500003, 8003, bob.Str("token"))).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Api(0, "GET", "/v1/users/bob").status == 200; }));
  std::this_thread::sleep_for(milliseconds(1000));
  int64_t chat = Api(2, "GET", "/v1/users/bob").Int("chat_id");
  EXPECT_TRUE(chat == 8002 || chat == 8003) << chat;
  int welcomes = 0;
  for (int64_t c : {8002, 8003})
    for (const auto& s : Sent(c)) welcomes += s.text.find("connected") != std::string::npos;
  EXPECT_EQ(welcomes, 1) << "the link token was redeemed twice";
}

}  // namespace
}  // namespace tgate::itest
