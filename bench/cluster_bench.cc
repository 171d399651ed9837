// cluster_bench: tgate as a cluster on PostgreSQL (issue 13), each figure
// printed beside its target. Its own command (scripts/bench.sh --cluster),
// not part of the test suite; needs TGATE_TEST_PG (scripts/pg-test-server.sh).
// Built on the integration tests' ClusterTest fixture (real tgate serve
// processes, the emulator, a fresh database per part):
//   failover  kill -9 of the bot's owner mid-broadcast: time to the next send
//             (<= 7 s) and duplicates (<= max_in_flight)
//   handover  SIGTERM of the owner mid-broadcast: time to the next send
//             (<= 1.5 s) and duplicates (0)
//   enqueue   a broadcast to 1,000,000 linked users (--quick: 100,000): the
//             POST's time (<= 10 s) and the slowest API answer meanwhile
//             (<= 100 ms)
// Not yet here (see the report of issue 13): the mixed run on PostgreSQL
// beside SQLite, and 100 bots over 3 instances.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "harness/cluster_fixture.h"

namespace tgate::itest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

bool Quick() { return std::getenv("CLUSTER_BENCH_QUICK") != nullptr; }

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Row(const std::string& what, double value, const std::string& unit, const std::string& target, bool ok) {
  std::cout << "  " << what << ": " << value << " " << unit << "   (target " << target << ")  "
            << (ok ? "ok" : "MISSED") << std::endl;
}

class ClusterBench : public ClusterTest {
 protected:
  // Stops (SIGTERM) or kills the owner mid-broadcast; returns the ms from
  // the signal to the first send by another instance, or -1.
  int64_t CutOwner(bool kill, int users, int* duplicates) {
    for (int u = 0; u < users; ++u) LinkUser(u % count(), "u" + std::to_string(u), 9000 + u);
    Emu("POST", "/control/reset");
    auto b = Api((owner_ + 1) % count(), "POST", "/v1/broadcasts", R"({"all":true,"text":"news"})");
    EXPECT_EQ(b.status, 202) << b.body;
    WaitUntil([&] { return Received("news").size() >= 5; }, seconds(20));
    std::string old_host = HostOf(owner_);
    int64_t at = NowMs();
    if (kill)
      KillTgate(owner_);
    else
      StopTgate(owner_);
    int64_t resumed = -1;
    WaitUntil(
        [&] {
          for (const auto& s : Sent())
            if (s.host.rfind(old_host, 0) != 0) {
              resumed = s.t_ms;
              return true;
            }
          return false;
        },
        seconds(30));
    WaitUntil([&] { return static_cast<int>(Received("news").size()) == users; }, seconds(60));
    std::this_thread::sleep_for(milliseconds(500));
    *duplicates = 0;
    for (const auto& [chat, n] : Received("news")) *duplicates += n - 1;
    EXPECT_EQ(static_cast<int>(Received("news").size()), users) << "accepted messages lost";
    return resumed < 0 ? -1 : resumed - at;
  }
};

TEST_F(ClusterBench, Failover) {
  const int kMaxInFlight = 4;
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, {{"--global-per-sec", "20"}, {"--latency-ms", "50"}},
                                       {{"TGATE_LIMIT_MAX_IN_FLIGHT", std::to_string(kMaxInFlight)}}));
  int duplicates = 0;
  int64_t ms = CutOwner(true, Quick() ? 60 : 200, &duplicates);
  std::cout << "failover after kill -9 of the owner:" << std::endl;
  Row("next send after", static_cast<double>(ms), "ms", "<= 7000", ms >= 0 && ms <= 7000);
  Row("duplicates", duplicates, "", "<= max_in_flight " + std::to_string(kMaxInFlight),
      duplicates <= kMaxInFlight);
  EXPECT_EQ(EmuStats().at("rate_limited").to_number<int64_t>(), 0);
}

TEST_F(ClusterBench, Handover) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(3, {{"--global-per-sec", "20"}}));
  int duplicates = 0;
  int64_t ms = CutOwner(false, Quick() ? 60 : 200, &duplicates);
  std::cout << "handover after SIGTERM of the owner:" << std::endl;
  Row("next send after", static_cast<double>(ms), "ms", "<= 1500", ms >= 0 && ms <= 1500);
  Row("duplicates", duplicates, "", "0", duplicates == 0);
  EXPECT_EQ(EmuStats().at("rate_limited").to_number<int64_t>(), 0);
}

TEST_F(ClusterBench, EnqueueMillion) {
  const int64_t users = Quick() ? 100000 : 1000000;
  // Telegram at one message a second: the sending does not compete with the
  // enqueue being measured.
  ASSERT_NO_FATAL_FAILURE(StartCluster(2, {{"--global-per-sec", "1"}}));
  ASSERT_NO_FATAL_FAILURE(LinkUser(0, "probe", 42));
  // The counting trigger updates one row per binding: off for the seed, the
  // count set once.
  PgSql(
      "BEGIN; ALTER TABLE bindings DISABLE TRIGGER bindings_count; "
      "INSERT INTO bindings (bot, site_user, chat_id, status, linked_at) SELECT 'default', 'b' || g, "
      "1000000 + g, 0, 1 FROM generate_series(1, " +
      std::to_string(users - 1) + ") g; UPDATE binding_counts SET active = active + " +
      std::to_string(users - 1) +
      " WHERE bot = 'default'; ALTER TABLE bindings ENABLE TRIGGER bindings_count; COMMIT");
  std::atomic<bool> done{false};
  std::atomic<int64_t> slowest_us{0};
  std::atomic<int> answers{0};
  std::thread prober([&] {
    while (!done) {
      auto t0 = Clock::now();
      auto r = Api(1, "GET", "/v1/users/probe");
      int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      if (r.status == 200) ++answers;
      int64_t prev = slowest_us.load();
      while (us > prev && !slowest_us.compare_exchange_weak(prev, us)) {
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  });
  auto t0 = Clock::now();
  auto b = Api(0, "POST", "/v1/broadcasts", R"({"all":true,"text":"million"})");
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  prober.join();
  EXPECT_EQ(b.status, 202) << b.body;
  EXPECT_EQ(b.Int("total"), users) << b.body;
  std::cout << "enqueue of a broadcast to " << users << " linked users on PostgreSQL:" << std::endl;
  Row("enqueue", secs, "s", "<= 10", secs <= 10);
  Row("slowest API answer meanwhile", slowest_us / 1000.0, "ms", "<= 100", slowest_us <= 100000);
  std::cout << "  (" << answers << " API answers meanwhile)" << std::endl;
}

}  // namespace
}  // namespace tgate::itest

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick")
      setenv("CLUSTER_BENCH_QUICK", "1", 1);
    else
      args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  ::testing::InitGoogleTest(&n, args.data());
  return RUN_ALL_TESTS();
}
