// events_bench: how fast tgate hands its events (message.sent, update, ...)
// to the site, from a full outbox. The real tgate process (with the emulator
// as its Bot API) and, in this process, a site on loopback that answers each
// POST 200 after a set delay, as a site's handler takes a while. The outbox
// is seeded before tgate starts: `events` events over `chats` chats, each
// chat's in id order. Prints, beside its target, events per second against
// what `concurrency` POSTs at once allow at that delay (concurrency / delay),
// and checks what must hold at any speed: every event arrives, none twice,
// each chat's in order and never two of a chat at once. With no delay: events
// per second and tgate's CPU per event (figures, no target). Then an outage:
// the site answers 503 for a few seconds while tgate starts on a full
// outbox; what tgate POSTs meanwhile stays within its pauses, and after the
// site's return every event arrives in its chat's order. Not a test of
// the site's side, and not of events made while tgate runs (the outbox's
// writers are measured by ingest_bench and delivery_bench).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "bench/delivery_rig.h"
#include "core/await_test_util.h"
#include "http/asio.h"
#include "http/server.h"
#include "store/store.h"

namespace tgate::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kTargetOfIdeal = 0.8;

// Fills the outbox of a fresh SQLite database: event i (1..n) is about chat
// i % chats, so every chat's events are spread through the outbox.
void SeedEvents(const std::string& db, int n, int chats) {
  asio::io_context io;
  auto s = store::Store::Open({db, "normal"});
  if (!s.ok()) Rig::Die("seed: " + s.status().ToString());
  store::Store& store = **s;
  // Made now: the retention drops events older than its days at tgate's start.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (int first = 1; first <= n; first += 1000) {
    const Status st =
        tgate::testing::RunAwait(io, store.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
          for (int i = first; i < std::min(n + 1, first + 1000); ++i) {
            const std::string e = R"({"type":"message.sent","id":)" + std::to_string(i) + R"(,"chat_id":)" +
                                  std::to_string(1 + i % chats) + R"(,"telegram_message_id":)" +
                                  std::to_string(i) + R"(,"bot":"default"})";
            Status added = co_await tx.AddEvent(e, now_ms);
            if (!added.ok()) co_return added;
          }
          co_return Status::Ok();
        }));
    if (!st.ok()) Rig::Die("seed: " + st.ToString());
  }
}

// The site: answers every POST 200 after `delay`, on a thread of its own,
// and keeps what arrived.
class Site {
 public:
  explicit Site(std::chrono::milliseconds delay)
      : delay_(delay),
        server_(io_.get_executor(), {}, [this](http::Request req) { return Handle(std::move(req)); }) {
    if (!server_.Start().ok()) Rig::Die("the site did not start");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Site() {
    asio::post(io_, [this] { server_.Stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }
  // While down the site answers every POST 503 at once (and keeps nothing).
  void SetDown(bool down) { down_ = down; }

  struct Figures {
    int64_t answered = 0;  // distinct events answered
    int64_t refused = 0;   // POSTs answered 503 while down
    int64_t duplicates = 0, out_of_order = 0, two_of_a_chat = 0;
    int most_at_once = 0;
    Clock::time_point first, last;  // the first POST's arrival, the last answer
  };
  Figures figures() {
    std::lock_guard lock(mutex_);
    return figures_;
  }

 private:
  Awaitable<http::Response> Handle(http::Request req) {
    if (down_) {
      std::lock_guard lock(mutex_);
      ++figures_.refused;
      co_return http::TextResponse(req, 503, "");
    }
    const int64_t id = std::atoll(std::string(req["X-Tgate-Event-Id"]).c_str());
    const std::string& body = req.body();
    const size_t at = body.find(R"("chat_id":)");
    const int64_t chat = at == std::string::npos ? 0 : std::atoll(body.c_str() + at + 10);
    {
      std::lock_guard lock(mutex_);
      if (figures_.first == Clock::time_point{}) figures_.first = Clock::now();
      figures_.most_at_once = std::max(figures_.most_at_once, ++at_once_);
      if (++on_the_way_[chat] > 1) ++figures_.two_of_a_chat;
      if (seen_.contains(id))
        ++figures_.duplicates;
      else if (id < last_of_chat_[chat])
        ++figures_.out_of_order;
      last_of_chat_[chat] = std::max(last_of_chat_[chat], id);
    }
    if (delay_.count() > 0) {
      asio::steady_timer t(io_, delay_);
      co_await t.async_wait(asio::use_awaitable);
    }
    {
      std::lock_guard lock(mutex_);
      --at_once_;
      --on_the_way_[chat];
      if (seen_.insert(id).second) ++figures_.answered;
      figures_.last = Clock::now();
    }
    co_return http::TextResponse(req, 200, "");
  }

  std::chrono::milliseconds delay_;
  std::atomic<bool> down_ = false;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  http::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  Figures figures_;
  int at_once_ = 0;
  std::map<int64_t, int> on_the_way_;
  std::map<int64_t, int64_t> last_of_chat_;
  std::set<int64_t> seen_;
};

void Row(const std::string& what, const std::string& value, const std::string& target, bool ok) {
  std::printf("  %-58s %10s   target %-8s %s\n", what.c_str(), value.c_str(), target.c_str(),
              ok ? "ok" : "MISSED");
}

std::string Fmt(double v, const char* f = "%.0f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// One run: a fresh outbox of `events`, tgate started on it, until the site
// has answered them all (at most 5 minutes). True when its figures hold.
bool RunOnce(const std::string& dir, int events, int chats, int concurrency,
             std::chrono::milliseconds delay) {
  const std::string run_dir = dir + "/delay" + std::to_string(delay.count());
  std::filesystem::create_directories(run_dir);
  const std::string db = run_dir + "/tgate.db";
  SeedEvents(db, events, chats);
  Site site(delay);
  Rig rig(run_dir, Limits{});
  rig.StartTgate(db, {},
                 {{"TGATE_EVENTS_URL", "http://127.0.0.1:" + std::to_string(site.port()) + "/events"},
                  {"TGATE_EVENTS_CONCURRENCY", std::to_string(concurrency)}});
  const double cpu_at_start = CpuAndPeakRss(rig.tgate().pid()).first;
  const int64_t answered_at_start = site.figures().answered;
  for (auto until = Clock::now() + std::chrono::minutes(5); site.figures().answered < events;) {
    if (Clock::now() > until)
      Rig::Die("timed out: the site has " + std::to_string(site.figures().answered) + " of " +
               std::to_string(events) + " events");
    if (!rig.tgate().running()) Rig::Die("tgate exited: " + rig.tgate().Stderr());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a late duplicate would show up
  const double cpu = CpuAndPeakRss(rig.tgate().pid()).first - cpu_at_start;
  const Site::Figures f = site.figures();
  const double seconds = std::chrono::duration<double>(f.last - f.first).count();
  const double per_second = events / std::max(seconds, 1e-6);

  std::printf("\nA site answering in %ld ms, events_concurrency = %d: %d events over %d chats\n",
              (long)delay.count(), concurrency, events, chats);
  bool ok = f.duplicates == 0 && f.out_of_order == 0 && f.two_of_a_chat == 0;
  if (delay.count() > 0) {
    const double ideal = concurrency * 1000.0 / double(delay.count());
    Row("events / s", Fmt(per_second), "-", true);
    Row("events / s ÷ (concurrency / delay) = " + Fmt(ideal) + "/s", Fmt(per_second / ideal, "%.2f"),
        ">= " + Fmt(kTargetOfIdeal, "%.1f"), per_second / ideal >= kTargetOfIdeal);
    ok = ok && per_second / ideal >= kTargetOfIdeal;
  } else {
    Row("events / s", Fmt(per_second), "-", true);
    Row("tgate CPU per event (us)",
        Fmt(cpu * 1e6 / double(std::max<int64_t>(1, events - answered_at_start)), "%.1f"), "-", true);
  }
  Row("most events on their way at once", std::to_string(f.most_at_once), "<= " + std::to_string(concurrency),
      f.most_at_once <= concurrency);
  ok = ok && f.most_at_once <= concurrency;
  Row("events delivered twice", std::to_string(f.duplicates), "0", f.duplicates == 0);
  Row("a chat's events out of order", std::to_string(f.out_of_order), "0", f.out_of_order == 0);
  Row("two events of one chat on their way at once", std::to_string(f.two_of_a_chat), "0",
      f.two_of_a_chat == 0);
  return ok;
}

// A site down for `down_for` while tgate starts on a full outbox, then up:
// what tgate sent it meanwhile, and how soon after its return it had them all.
bool RunOutage(const std::string& dir, int events, int chats, int concurrency,
               std::chrono::seconds down_for) {
  const std::string run_dir = dir + "/outage";
  std::filesystem::create_directories(run_dir);
  const std::string db = run_dir + "/tgate.db";
  SeedEvents(db, events, chats);
  Site site(std::chrono::milliseconds(0));
  site.SetDown(true);
  Rig rig(run_dir, Limits{});
  rig.StartTgate(db, {},
                 {{"TGATE_EVENTS_URL", "http://127.0.0.1:" + std::to_string(site.port()) + "/events"},
                  {"TGATE_EVENTS_CONCURRENCY", std::to_string(concurrency)}});
  std::this_thread::sleep_for(down_for);
  site.SetDown(false);
  const auto up = Clock::now();
  const int64_t refused = site.figures().refused;
  for (auto until = up + std::chrono::minutes(3); site.figures().answered < events;) {
    if (Clock::now() > until)
      Rig::Die("timed out after the outage: the site has " + std::to_string(site.figures().answered) +
               " of " + std::to_string(events));
    if (!rig.tgate().running()) Rig::Die("tgate exited: " + rig.tgate().Stderr());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const Site::Figures f = site.figures();
  std::printf("\nA site down for %ld s while tgate starts on %d events, then up (events_concurrency = %d)\n",
              (long)down_for.count(), events, concurrency);
  // The first `concurrency` at once, then one after 1 s, 2 s, 4 s, ... of
  // pause (events_sender.h): log2 of the outage's seconds, and one more.
  const int64_t most = concurrency + 2 + static_cast<int64_t>(std::log2(double(down_for.count())));
  Row("POSTs to the site while it was down", std::to_string(refused), "<= " + std::to_string(most),
      refused <= most);
  Row("seconds from its return to the last event taken",
      Fmt(std::chrono::duration<double>(f.last - up).count(), "%.1f"), "<= 60",
      f.last - up <= std::chrono::seconds(60));
  Row("events delivered twice", std::to_string(f.duplicates), "0", f.duplicates == 0);
  Row("a chat's events out of order", std::to_string(f.out_of_order), "0", f.out_of_order == 0);
  return refused <= most && f.last - up <= std::chrono::seconds(60) && f.duplicates == 0 &&
         f.out_of_order == 0;
}

int Main(int argc, char** argv) {
  bool quick = false;
  int concurrency = 8;  // tgate's default
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--concurrency" && i + 1 < argc && std::atoi(argv[i + 1]) >= 1 &&
               std::atoi(argv[i + 1]) <= 100) {
      concurrency = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: events_bench [--quick] [--concurrency 1..100]\n"
                   "  Delivers a seeded outbox of events to a loopback site answering in 20 ms, then in\n"
                   "  0 ms, and prints events per second beside what events_concurrency (8) allows.\n");
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  char tmpl[] = "/tmp/tgate-events-bench-XXXXXX";
  if (!mkdtemp(tmpl)) Rig::Die("mkdtemp");
  const std::string dir = tmpl;
  std::printf("tgate events benchmark (work dir %s)\n", dir.c_str());
  const int chats = 1000;
  bool ok = RunOnce(dir, quick ? 2000 : 4000, chats, concurrency, std::chrono::milliseconds(20));
  ok = RunOnce(dir, quick ? 10000 : 20000, chats, concurrency, std::chrono::milliseconds(0)) && ok;
  ok = RunOutage(dir, 2000, chats, concurrency, std::chrono::seconds(quick ? 3 : 5)) && ok;
  if (!getenv("BENCH_DEBUG")) std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace tgate::bench

int main(int argc, char** argv) { return tgate::bench::Main(argc, argv); }
