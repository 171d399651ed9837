// delivery_bench: the delivery engine measured end to end, as a site would use
// it — the real tgate and emulator processes on loopback, limits scaled up so
// a run takes a minute or two. Prints each figure beside its target
// (issue #3): completion time / theoretical minimum, 429s, lost, duplicates,
// one-to-one latency during a broadcast, CPU per message, peak RSS, enqueue
// time for a 1,000,000-user broadcast, a paid broadcast at 1000/s, and a
// broadcast at real-time limits over 50-200 ms of network jitter (issue 11).
// The processes, the seeded users and the reading of CPU and RSS are the
// rig's (delivery_rig.h); the runs and their figures are here.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "bench/callgrind.h"
#include "bench/delivery_rig.h"
#include "bench/request_floor.h"
#include "bench/syscall_count.h"
#include "bench/transport_floor.h"
#include "harness/http_call.h"
#include "harness/process.h"
#include "pg/pg_test_util.h"

namespace tgate::bench {
namespace {

using itest::HttpAnswer;
using itest::HttpCall;
using Clock = std::chrono::steady_clock;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int missed_rows = 0;  // every row counts towards "all targets met"
// The mixed run's broadcast text (--text-bytes): "Big news", padded.
std::string broadcast_text = "Big news";
// --blocked-every K: every K-th of the mixed run's users has blocked the bot
// (0: none). tgate was not told: it learns it from the 403 its send gets.
int blocked_every = 0;
bool Blocked(int64_t user) { return blocked_every > 0 && user % blocked_every == 0; }

void Row(const char* what, const std::string& value, const std::string& target, bool ok) {
  if (!ok) ++missed_rows;
  std::printf("  %-48s %18s   target %-14s %s\n", what, value.c_str(), target.c_str(), ok ? "ok" : "MISSED");
}

std::string Fmt(double v, const char* f = "%.3f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// When a run got 429s: which of the emulator's rules refused them, and when
// the first came (ms after `start_ms`), to tell tgate's scheduling from a
// stall of the machine (a burst after a pause shows up on the global rule).
void PrintRateLimits(const itest::HttpAnswer& stats, int64_t start_ms) {
  if (stats.Int("rate_limited") == 0) return;
  std::string by;
  for (const auto& [rule, n] : stats.obj().at("rate_limited_by").as_object()) {
    by += (by.empty() ? "" : ", ") + std::string(rule) + " " + std::to_string(n.to_number<int64_t>());
  }
  std::printf("    429s by rule: %s; the first at +%ld ms\n", by.c_str(),
              (long)(stats.Int("first_rate_limited_t_ms") - start_ms));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// Broadcast to N chats + M group messages + K one-to-one messages during it.
// `pg_url` "": SQLite in `dir`; else that (empty) PostgreSQL database.
// `counting` (--instructions): tgate runs under callgrind, and the run prints
// only its user-space instructions per delivered message, counted over the
// stretch the CPU figure covers (no targets: under callgrind tgate is
// slower, and the run's timing figures would say nothing).
// `syscalls` (--syscalls): perf counts tgate's system calls over the same
// stretch, printed per delivered message after the run's other figures.
bool MixedRun(const std::string& dir, int chats, int group_msgs, int direct_msgs, double scale,
              const std::string& pg_url = "", Callgrind* counting = nullptr,
              SyscallCount* syscalls = nullptr) {
  Limits l{30 * scale, 1 * scale, 20 * scale, 1000};
  std::string db = pg_url.empty() ? dir + "/mixed.db" : pg_url;
  SeedUsers(db, chats);
  Rig rig(dir, l);
  // The floor is measured before tgate's run as well as after it (below),
  // and tgate is read against the mean of the two: the machine's noise
  // drifts over a run, and one measurement after it moved the ratio by a
  // tenth from run to run. The emulator then forgets the floor's requests
  // (its counts, its list of sent messages, its windows) before tgate starts.
  // Not when tgate is counted instead (no ratio is printed then).
  std::optional<FloorResult> floor_before;
  if (!counting && !syscalls) {
    floor_before = MeasureRequestFloor(rig.emulator_port(), kToken, l.global, std::chrono::milliseconds(10),
                                       static_cast<int>(l.global * 10), 900'000'000);
    if (rig.Emu("POST", "/control/reset").status != 200) Rig::Die("emulator /control/reset refused");
  }
  rig.StartTgate(db, counting ? counting->Wrapper() : std::vector<std::string>{});
  std::printf(
      "\nMixed run on %s: broadcast to %d chats + %d group messages + %d one-to-one, limits x%.0f "
      "(global %.0f/s)\n",
      pg_url.empty() ? "SQLite" : "PostgreSQL", chats, group_msgs, direct_msgs, scale, l.global);

  int64_t blocked = 0;
  for (int user = 1; user <= chats; ++user) {
    if (!Blocked(user)) continue;
    const std::string chat = std::to_string(user);  // users' chats are their numbers (SeedUsers)
    if (rig.Emu("POST", "/control/chat", R"({"chat_id":)" + chat + R"(,"behavior":"blocked"})").status != 200)
      Rig::Die("emulator /control/chat refused");
    ++blocked;
  }
  auto b = rig.Api("POST", "/v1/broadcasts", R"({"all":true,"text":")" + broadcast_text + R"("})");
  if (b.status != 202) Rig::Die("broadcast: " + b.body);
  const std::string broadcast = "/v1/broadcasts/" + std::to_string(b.Int("id"));
  for (int i = 0; i < group_msgs; ++i) {
    if (rig.Api("POST", "/v1/messages", R"({"chat_id":-100777,"text":"g)" + std::to_string(i) + R"("})")
            .status != 202)
      Rig::Die("group message refused");
  }
  // One-to-one messages, submitted while the broadcast runs (once its first
  // message arrived: a started tgate first waits out one window, see
  // Dispatcher::Start), to users whose broadcast message may still be queued.
  for (auto until = Clock::now() + std::chrono::seconds(30);
       rig.Emu("GET", "/control/stats").Int("accepted") == 0;) {
    if (Clock::now() > until) Rig::Die("the broadcast did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The CPU per delivered message is counted from here, as the floor counts
  // its requests only: starting tgate and the API calls that made the
  // broadcast and the group messages are not delivery (printed apart).
  if (counting) counting->On(rig.tgate().pid());
  if (syscalls) syscalls->Start(rig.tgate().pid());
  const double cpu_at_start = CpuAndPeakRss(rig.tgate().pid()).first;
  const double emu_cpu_at_start = CpuAndPeakRss(rig.emulator().pid()).first;
  const int64_t accepted_at_start = rig.Emu("GET", "/control/stats").Int("accepted");
  const int64_t failed_at_start = blocked ? rig.Api("GET", broadcast).Int("failed") : 0;
  std::map<std::string, int64_t> submitted_ms;
  int64_t interval_us = static_cast<int64_t>(1e6 * chats / l.global / (direct_msgs + 5));
  for (int i = 0; i < direct_msgs; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(interval_us));
    std::string text = "direct" + std::to_string(i);
    submitted_ms[text] = WallMs();
    int user = 1 + (i * 197) % chats;
    if (Blocked(user)) user = user % chats + 1;  // one who has not blocked the bot
    auto r = rig.Api("POST", "/v1/messages",
                     R"({"user":"u)" + std::to_string(user) + R"(","text":")" + text + R"("})");
    if (r.status != 202) Rig::Die("direct message refused: " + r.body);
  }
  int64_t total = chats - blocked + group_msgs + direct_msgs;
  auto deadline = Clock::now() + std::chrono::minutes(10);
  for (;;) {
    auto st = rig.Emu("GET", "/control/stats");
    if (st.Int("accepted") >= total) break;
    if (Clock::now() > deadline) Rig::Die("timed out waiting for delivery");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // late duplicates would show up
  const int64_t instructions = counting ? counting->OffAndCount(rig.tgate().pid()) : 0;
  // The blocked users' messages answered meanwhile count as handled: each
  // took a send, its answer and its outcome as a delivered one does.
  const int64_t blocked_handled = blocked ? rig.Api("GET", broadcast).Int("failed") - failed_at_start : 0;
  const auto calls = syscalls ? syscalls->Stop() : std::vector<std::pair<std::string, int64_t>>{};
  auto [cpu, rss] = CpuAndPeakRss(rig.tgate().pid());
  // Reference: the emulator does the mirror image of tgate's HTTP work for
  // each message on the same machine at the same moment.
  auto [emu_cpu, emu_rss] = CpuAndPeakRss(rig.emulator().pid());
  auto stats = rig.Emu("GET", "/control/stats");
  auto sent = rig.Emu("GET", "/control/sent");

  std::map<std::string, int> count;  // (chat, text) -> times
  int64_t first_b = INT64_MAX, last_b = 0;
  std::vector<double> latency_ms;
  for (const auto& m : sent.obj().at("messages").as_array()) {
    const auto& o = m.as_object();
    std::string text(o.at("text").as_string());
    int64_t chat = o.at("chat_id").to_number<int64_t>();
    int64_t t = o.at("t_ms").to_number<int64_t>();
    count[std::to_string(chat) + "/" + text]++;
    if (text == broadcast_text) first_b = std::min(first_b, t), last_b = std::max(last_b, t);
    if (auto it = submitted_ms.find(text); it != submitted_ms.end()) {
      latency_ms.push_back(double(t - it->second));
      if (getenv("BENCH_DEBUG") && t - it->second > 20)
        std::printf("    slow %s to chat %ld: %ld ms\n", text.c_str(), (long)chat, (long)(t - it->second));
    }
  }
  int64_t duplicates = 0;
  for (auto& [k, n] : count) duplicates += n - 1;
  int64_t distinct = static_cast<int64_t>(count.size());
  int64_t lost = total - distinct;
  // The broadcast shares the global budget with the one-to-one and group
  // messages sent meanwhile, so the minimum for the broadcast's span counts
  // every message accepted within it.
  int64_t in_span = 0;
  for (const auto& m : sent.obj().at("messages").as_array()) {
    int64_t t = m.as_object().at("t_ms").to_number<int64_t>();
    in_span += (t >= first_b && t <= last_b);
  }
  // A send to a user who blocked the bot takes its place in the global rate
  // too; they are spread through the broadcast, so within its span.
  in_span += blocked;
  if (getenv("BENCH_DEBUG")) {  // where the time went: the longest pauses between accepted messages
    std::vector<int64_t> ts;
    for (const auto& m : sent.obj().at("messages").as_array())
      ts.push_back(m.as_object().at("t_ms").to_number<int64_t>());
    std::sort(ts.begin(), ts.end());
    std::vector<std::pair<int64_t, int64_t>> gaps;
    for (size_t i = 1; i < ts.size(); ++i) gaps.push_back({ts[i] - ts[i - 1], ts[i - 1] - first_b});
    std::sort(gaps.rbegin(), gaps.rend());
    for (size_t i = 0; i < std::min<size_t>(8, gaps.size()); ++i)
      std::printf("    gap %ld ms at +%ld ms\n", (long)gaps[i].first, (long)gaps[i].second);
    int64_t in_last_s = 0;  // steady state: accepted in the broadcast's last full second
    for (int64_t t : ts) in_last_s += (t > last_b - 1000 && t <= last_b);
    std::printf("    accepted in the last second: %ld\n", (long)in_last_s);
  }
  if (blocked) {
    std::printf(
        "  %ld of %d users blocked the bot; the %ld of their messages answered while counted are\n"
        "  counted as delivered below\n",
        (long)blocked, chats, (long)blocked_handled);
  }
  if (counting) {
    const int64_t delivered = std::max<int64_t>(1, distinct - accepted_at_start + blocked_handled);
    std::printf("  %ld messages delivered while counted (%ld lost, %ld duplicated)\n", (long)delivered,
                (long)lost, (long)duplicates);
    Row("tgate user-space instructions per delivered message",
        Fmt(double(instructions) / double(delivered), "%.0f"), "-", true);
    return lost == 0 && duplicates == 0;
  }
  double min_seconds = double(in_span) / l.global;
  double took = (last_b - first_b) / 1000.0 + 1.0 / l.global;
  double ratio = took / min_seconds;
  double interval_ms = 1000.0 / l.global;
  double p50 = Percentile(latency_ms, 0.5), p99 = Percentile(latency_ms, 0.99);
  const double delivered_since_start =
      double(std::max<int64_t>(1, distinct - accepted_at_start + blocked_handled));
  double us_per_msg = (cpu - cpu_at_start) * 1e6 / delivered_since_start;
  // The floor: a minimal client doing only the HTTP of each message, paced
  // the same (after tgate is done, to chats of its own; and before it, above).
  const FloorResult floor_after =
      MeasureRequestFloor(rig.emulator_port(), kToken, l.global, std::chrono::milliseconds(10),
                          static_cast<int>(l.global * 10), 1'000'000'000);
  FloorResult floor = floor_after;
  if (floor_before) {
    floor.answered_200 += floor_before->answered_200;
    floor.answered_other += floor_before->answered_other;
    floor.cpu_us_per_request = (floor_before->cpu_us_per_request + floor_after.cpu_us_per_request) / 2;
  }
  // And tgate's own Bot API client alone, paced the same, to other chats
  // (once the emulator's window has let the floor's requests go).
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  FloorResult transport =
      MeasureTransportFloor(rig.emulator_port(), kToken, l.global, std::chrono::milliseconds(10),
                            static_cast<int>(l.global * 10), 1'100'000'000);

  Row("completion time / theoretical minimum", Fmt(ratio), "<= 1.02", ratio <= 1.02);
  Row("429s received", std::to_string(stats.Int("rate_limited")), "0", stats.Int("rate_limited") == 0);
  PrintRateLimits(stats, first_b);
  Row("messages lost", std::to_string(lost), "0", lost == 0);
  Row("duplicates", std::to_string(duplicates), "0", duplicates == 0);
  Row("one-to-one latency p50 (global intervals)", Fmt(p50 / interval_ms, "%.1f"), "-", true);
  Row("one-to-one latency p99 (global intervals)", Fmt(p99 / interval_ms, "%.1f"), "-", true);
  double p99_real = p99 / 1000.0 * scale;  // the same number of intervals at real-time limits
  Row("one-to-one p99 at real-time limits (s)", Fmt(p99_real, "%.2f"), "<= 1.5", p99_real <= 1.5);
  // The target is the ratio to the floor below (issue 16): the absolute
  // 20 us cannot be shown on machines where the bare client costs 20-34 us.
  Row("tgate CPU per delivered message (us)", Fmt(us_per_msg, "%.1f"), "-", true);
  Row("  reference: counted from tgate's start (us)", Fmt(cpu * 1e6 / double(distinct), "%.1f"), "-", true);
  double emu_us = (emu_cpu - emu_cpu_at_start) * 1e6 / delivered_since_start;
  Row("  reference: emulator CPU per message (us)", Fmt(emu_us, "%.1f"), "-", true);
  Row("  tgate / emulator CPU", Fmt(us_per_msg / emu_us, "%.2f"), "-", true);
  // A reference, not a target: a few 429s (the machine stalled it) change
  // its cost per request little, but are said.
  Row("  floor: bare HTTP client CPU per request (us)", Fmt(floor.cpu_us_per_request, "%.1f"), "-", true);
  if (floor_before) {
    std::printf("    (floor before tgate's run %.1f us, after it %.1f us: their mean)\n",
                floor_before->cpu_us_per_request, floor_after.cpu_us_per_request);
  }
  if (floor.answered_other > 0) {
    std::printf("    (floor: %ld answered 200, %ld not)\n", (long)floor.answered_200,
                (long)floor.answered_other);
  }
  // Where tgate's CPU goes, in two parts: its transport (HttpBotApi, Asio,
  // Beast) above the bare floor, and its engine (store, scheduler, limits)
  // above its transport.
  Row("  transport: tgate's Bot API client alone (us)", Fmt(transport.cpu_us_per_request, "%.1f"), "-", true);
  if (transport.answered_other > 0) {
    std::printf("    (transport: %ld answered ok, %ld not)\n", (long)transport.answered_200,
                (long)transport.answered_other);
  }
  Row("  transport / floor CPU", Fmt(transport.cpu_us_per_request / floor.cpu_us_per_request, "%.2f"), "-",
      true);
  Row("  tgate / transport CPU", Fmt(us_per_msg / transport.cpu_us_per_request, "%.2f"), "-", true);
  const double over_floor = us_per_msg / floor.cpu_us_per_request;
  Row("tgate / floor CPU", Fmt(over_floor, "%.2f"), "<= 1.5", over_floor <= 1.5);
  Row("tgate peak RSS (MB)", Fmt(rss / 1024.0, "%.1f"), "-", true);
  if (!calls.empty()) {
    // The floor makes one sendmsg and one recvfrom per request.
    // perf's counting costs tgate some CPU per call: the CPU figures above
    // run high in this mode.
    std::printf(
        "  system calls per delivered message (perf, over the stretch the CPU figure covers;\n"
        "  the counting raises tgate's CPU figures above):\n");
    for (const auto& [call, n] : calls) {
      const double per = double(n) / delivered_since_start;
      if (per >= 0.005) std::printf("    %-20s %6.2f\n", call.c_str(), per);
    }
  }
  return ratio <= 1.02 && stats.Int("rate_limited") == 0 && lost == 0 && duplicates == 0;
}

bool MillionEnqueue(const std::string& dir, int users, const std::string& pg_url = "") {
  std::string db = pg_url.empty() ? dir + "/million.db" : pg_url;
  std::printf("\nEnqueue on %s: broadcast to %d linked users\n", pg_url.empty() ? "SQLite" : "PostgreSQL",
              users);
  auto seed_start = Clock::now();
  SeedUsers(db, users);
  std::printf("  (seeded %d bindings in %.1f s)\n", users,
              std::chrono::duration<double>(Clock::now() - seed_start).count());
  Rig rig(dir, Limits{});
  rig.StartTgate(db);
  // Meanwhile a site keeps calling the API: the longest answer shows whether
  // the enqueue, or the dispatcher materializing and loading its first
  // messages in the seconds after, stalls everything else.
  std::atomic<bool> probing{true};
  double worst_ms = 0;
  std::atomic<int> probes{0};
  std::thread prober([&] {
    while (probing) {
      ++probes;
      auto t = Clock::now();
      rig.Api("GET", "/healthz");
      worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(Clock::now() - t).count());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto start = Clock::now();
  auto b =
      rig.Api("POST", "/v1/broadcasts", R"({"all":true,"text":"Hello everyone","spread_seconds":28800})");
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  // The API must stay responsive right after.
  auto h0 = Clock::now();
  int health = rig.Api("GET", "/healthz").status;
  double health_ms = std::chrono::duration<double, std::milli>(Clock::now() - h0).count();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  probing = false;
  prober.join();
  if (b.status != 202) Rig::Die("broadcast: " + b.body);
  auto [cpu, rss] = CpuAndPeakRss(rig.tgate().pid());
  Row("enqueue time for the broadcast (s)", Fmt(took, "%.2f"), "<= 5", took <= 5);
  Row("total queued", std::to_string(b.Int("total")), std::to_string(users), b.Int("total") == users);
  Row("healthz right after (ms)", Fmt(health_ms, "%.1f"), "-", health == 200);
  Row("slowest API answer, enqueue and 3 s after (ms)", Fmt(worst_ms, "%.0f"), "-", true);
  std::printf("    (%d calls to /healthz, one every 20 ms)\n", probes.load());
  Row("tgate peak RSS (MB)", Fmt(rss / 1024.0, "%.1f"), "<= 200", rss / 1024.0 <= 200);
  rig.Api("DELETE", "/v1/broadcasts/" + std::to_string(b.Int("id")));
  return took <= 5 && rss / 1024.0 <= 200;
}

bool PaidRun(const std::string& dir, int chats, int seconds_latency_ms) {
  std::string db = dir + "/paid.db";
  SeedUsers(db, chats);
  Rig rig(dir, Limits{30, 1, 20, 1000}, seconds_latency_ms);
  rig.StartTgate(db);
  std::printf("\nPaid broadcast at real-time limits (1000/s), %d chats, %d ms emulated RTT\n", chats,
              seconds_latency_ms);
  auto b = rig.Api("POST", "/v1/broadcasts", R"({"all":true,"text":"Paid news","paid":true})");
  if (b.status != 202) Rig::Die("broadcast: " + b.body);
  auto deadline = Clock::now() + std::chrono::minutes(5);
  while (rig.Emu("GET", "/control/stats").Int("accepted") < chats) {
    if (Clock::now() > deadline) Rig::Die("paid run timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto stats = rig.Emu("GET", "/control/stats");
  double span = (stats.Int("last_t_ms") - stats.Int("first_t_ms")) / 1000.0 + 0.001;
  double rate = (chats - 1) / span;
  Row("paid rate held (msg/s)", Fmt(rate, "%.0f"), ">= 980", rate >= 980);
  Row("429s received", std::to_string(stats.Int("rate_limited")), "0", stats.Int("rate_limited") == 0);
  PrintRateLimits(stats, stats.Int("first_t_ms"));
  return rate >= 980 && stats.Int("rate_limited") == 0;
}

// The value of a /metrics line "NAME{...} VALUE" (-1 if absent).
double MetricValue(const std::string& metrics, const std::string& name) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size() ||
        (line[name.size()] != '{' && line[name.size()] != ' '))
      continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

// A broadcast at Telegram's real limits (30/s) while every request takes
// 50-200 ms, uniformly random, to reach the emulator: requests sent evenly
// arrive unevenly. tgate must draw no 429 and lose no more than the spread.
bool JitterRun(const std::string& dir, int chats) {
  std::string db = dir + "/jitter.db";
  SeedUsers(db, chats);
  Limits l{30, 1, 20, 1000};
  Rig rig(dir, l, 0, "50:200");
  rig.StartTgate(db);
  std::printf(
      "\nNetwork jitter: broadcast to %d chats at real-time limits (30/s), each request 50-200 ms "
      "to arrive\n",
      chats);
  auto b = rig.Api("POST", "/v1/broadcasts", R"({"all":true,"text":"Jittery news"})");
  if (b.status != 202) Rig::Die("broadcast: " + b.body);
  auto deadline = Clock::now() + std::chrono::seconds(50);
  while (rig.Emu("GET", "/control/stats").Int("accepted") < chats) {
    if (Clock::now() > deadline) Rig::Die("jitter run timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto stats = rig.Emu("GET", "/control/stats");
  std::string metrics = rig.Api("GET", "/metrics").body;
  double took = (stats.Int("last_t_ms") - stats.Int("first_t_ms")) / 1000.0 + 1.0 / l.global;
  double ratio = took / (chats / l.global);
  int64_t limited = stats.Int("rate_limited");
  Row("jitter 50-200 ms: 429s", std::to_string(limited), "0", limited == 0);
  PrintRateLimits(stats, stats.Int("first_t_ms"));
  Row("jitter 50-200 ms: completion / minimum", Fmt(ratio), "<= 1.2", ratio <= 1.2);
  double margin_ms = MetricValue(metrics, "tgate_dispatch_jitter_margin_seconds") * 1000;
  Row("  windows' margin at the end (ms)", Fmt(margin_ms, "%.0f"), "-", true);
  Row("  global rate at the end (msg/s)", Fmt(MetricValue(metrics, "tgate_dispatch_global_rate"), "%.1f"),
      "-", true);
  return limited == 0 && ratio <= 1.2;
}

}  // namespace
}  // namespace tgate::bench

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int chats = 20000, million = 1000000;
  double scale = 20;
  std::string only, db = "sqlite";
  bool instructions = false, count_syscalls = false, cyrillic = false;
  int text_bytes = 8;
  const char* usage =
      "usage: delivery_bench [--quick] [--only mixed|paid|enqueue|jitter] [--db sqlite|postgresql|both]\n"
      "                      [--text-bytes N [--cyrillic]] [--blocked-every K] [--scale N]\n"
      "       delivery_bench --instructions [--text-bytes N [--cyrillic]] [--blocked-every K]\n"
      "  --quick  a smaller run (4000 chats, 200,000 users to enqueue)\n"
      "  --only   one of the four runs\n"
      "  --instructions  instead: a mixed run (3000 chats, limits x10) with tgate under valgrind's\n"
      "           callgrind, its user-space instructions per delivered message (steady where CPU\n"
      "           time is not: for comparing two builds; a figure, no target)\n"
      "  --syscalls  instead: the --quick mixed run with perf counting tgate's system calls,\n"
      "           printed per delivered message beside the run's figures\n"
      "  --db     the mixed and enqueue runs on SQLite (default), on PostgreSQL (a fresh database\n"
      "           on TGATE_TEST_PG's server, see scripts/pg-test-server.sh) or both\n"
      "  --text-bytes  the mixed run's broadcast text, N bytes long (8 to 4096; default 8, \"Big news\")\n"
      "  --cyrillic  that text filled with Cyrillic letters (two bytes each in UTF-8), not ASCII\n"
      "  --blocked-every K  every K-th user of the mixed run (2 to 1000) has blocked the bot, which tgate\n"
      "           learns from the 403 of its send; those count as delivered in the per-message figures\n"
      "  --scale N  the mixed run's limits xN (5 to 100; default 20, global 600/s): a tick (10 ms) then\n"
      "           holds more or fewer sends, so runs at two scales split the CPU per message, tgate's and\n"
      "           the floor's, into what each tick costs and what each message adds\n"
      "  BENCH_DEBUG=1 keeps the work directory and prints where the time went\n";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      chats = 4000, million = 200000;
    } else if (a == "--instructions") {
      instructions = true;
    } else if (a == "--syscalls") {
      count_syscalls = true;
    } else if (a == "--text-bytes" && i + 1 < argc && std::atoi(argv[i + 1]) >= 8 &&
               std::atoi(argv[i + 1]) <= 4096) {
      text_bytes = std::atoi(argv[++i]);
    } else if (a == "--scale" && i + 1 < argc && std::atoi(argv[i + 1]) >= 5 &&
               std::atoi(argv[i + 1]) <= 100) {
      scale = std::atoi(argv[++i]);
    } else if (a == "--cyrillic") {
      cyrillic = true;
    } else if (a == "--blocked-every" && i + 1 < argc && std::atoi(argv[i + 1]) >= 2 &&
               std::atoi(argv[i + 1]) <= 1000) {
      tgate::bench::blocked_every = std::atoi(argv[++i]);
    } else if (a == "--only" && i + 1 < argc &&
               (std::string_view(argv[i + 1]) == "mixed" || std::string_view(argv[i + 1]) == "paid" ||
                std::string_view(argv[i + 1]) == "enqueue" || std::string_view(argv[i + 1]) == "jitter")) {
      only = argv[++i];
    } else if (a == "--db" && i + 1 < argc &&
               (std::string_view(argv[i + 1]) == "sqlite" || std::string_view(argv[i + 1]) == "postgresql" ||
                std::string_view(argv[i + 1]) == "both")) {
      db = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", usage);
      return 0;
    } else {
      std::fprintf(stderr, "delivery_bench: unknown or incomplete argument '%s'\n%s", a.c_str(), usage);
      return 2;
    }
  }
  for (int left = text_bytes - 8; left > 0; left -= cyrillic && left >= 2 ? 2 : 1)
    tgate::bench::broadcast_text += cyrillic && left >= 2 ? "\u044f" : "x";  // я
  std::string dir = (fs::temp_directory_path() / "tgate-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  std::printf("tgate delivery benchmark (work dir %s)\n", dir.c_str());
  bool ok = true;
  if (instructions || count_syscalls) {
    try {
      if (instructions) {
        // At half the mixed run's limits (300/s): under callgrind tgate keeps
        // up there, so its batches are those of the load, not of its lag.
        tgate::bench::Callgrind::RequireTools();
        tgate::bench::Callgrind callgrind(dir);
        ok = tgate::bench::MixedRun(dir, 3000, 100, 100, 10, "", &callgrind);
      } else {
        tgate::bench::SyscallCount::RequireTools();
        tgate::bench::SyscallCount syscalls(dir);
        ok = tgate::bench::MixedRun(dir, 4000, 200, 100, scale, "", nullptr, &syscalls);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "delivery_bench: %s\n", e.what());
      ok = false;
    }
    if (!getenv("BENCH_DEBUG")) fs::remove_all(dir);
    return ok ? 0 : 1;
  }
  const bool on_sqlite = db != "postgresql", on_pg = db != "sqlite";
  if (on_pg && tgate::pg::PgTestUrl().empty()) {
    std::fprintf(stderr, "delivery_bench: --db %s: %s\n", db.c_str(), tgate::pg::kNoTestServer);
    return 2;
  }
  if (only.empty() || only == "mixed") {
    if (on_sqlite) ok &= tgate::bench::MixedRun(dir, chats, 200, 100, scale);
    if (on_pg) {
      auto pg = tgate::pg::TestDatabase::Create();
      ok &= pg && tgate::bench::MixedRun(dir, chats, 200, 100, scale, pg->url());
    }
  }
  if (only.empty() || only == "paid") ok &= tgate::bench::PaidRun(dir, 5000, 200);
  if (only.empty() || only == "enqueue") {
    if (on_sqlite) ok &= tgate::bench::MillionEnqueue(dir, million);
    if (on_pg) {
      auto pg = tgate::pg::TestDatabase::Create();
      ok &= pg && tgate::bench::MillionEnqueue(dir, million, pg->url());
    }
  }
  if (only.empty() || only == "jitter") ok &= tgate::bench::JitterRun(dir, 600);
  if (!getenv("BENCH_DEBUG")) fs::remove_all(dir);
  ok &= tgate::bench::missed_rows == 0;
  std::printf("\n%s\n", ok ? "all targets met" : "some targets MISSED");
  return ok ? 0 : 1;
}
