// ingest_bench: the disk under sustained ingest (issue 11, item 8). The real
// tgate and emulator processes on loopback; client threads POST webhook
// updates (plain private-chat texts: each is stored, forwarded to the events
// outbox and marked processed) as fast as tgate answers, for a bounded time,
// while a sampler watches the database's WAL file. Prints the rate sustained
// and the peak WAL size beside its target (<= 64 MB), and the WAL size tgate
// itself reports on /metrics (tgate_db_wal_bytes).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness/http_call.h"
#include "harness/process.h"

namespace tgate::bench {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::asio::ip::tcp;
using itest::Process;
using SteadyClock = std::chrono::steady_clock;

constexpr char kToken[] = "123456789:BENCH_fake_token_for_benchmarks_only_x";
constexpr char kHookPath[] = "ingest-bench-hook";
constexpr char kSecret[] = "ingest-bench-secret";
constexpr double kTargetWalMb = 64;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "ingest_bench: %s\n", why.c_str());
  std::exit(1);
}

int64_t FileBytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string UpdateJson(int64_t id) {
  const int64_t chat = 1000 + id % 5000;
  return "{\"update_id\":" + std::to_string(id) + ",\"message\":{\"message_id\":" + std::to_string(id) +
         ",\"date\":1700000000,\"chat\":{\"id\":" + std::to_string(chat) +
         ",\"type\":\"private\"},\"from\":{\"id\":" + std::to_string(chat) +
         ",\"is_bot\":false,\"first_name\":\"Bench\"},\"text\":\"hello from the ingest benchmark, update " +
         std::to_string(id) + "\"}}";
}

// One keep-alive connection posting updates until `stop`; counts the 200s.
void Client(uint16_t port, std::atomic<int64_t>& next_id, const std::atomic<bool>& stop,
            std::atomic<int64_t>& ok, std::atomic<int64_t>& bad) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  bool connected = false;
  while (!stop.load(std::memory_order_relaxed)) {
    try {
      if (!connected) {
        stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
        connected = true;
      }
      bhttp::request<bhttp::string_body> req{bhttp::verb::post, std::string("/hooks/telegram/") + kHookPath,
                                             11};
      req.set(bhttp::field::host, "127.0.0.1");
      req.set(bhttp::field::content_type, "application/json");
      req.set("X-Telegram-Bot-Api-Secret-Token", kSecret);
      req.body() = UpdateJson(next_id.fetch_add(1));
      req.prepare_payload();
      bhttp::write(stream, req);
      bhttp::response<bhttp::string_body> res;
      bhttp::read(stream, buffer, res);
      (res.result_int() == 200 ? ok : bad).fetch_add(1);
      if (!res.keep_alive()) {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream.close();
        connected = false;
      }
    } catch (const std::exception&) {
      bad.fetch_add(1);
      stream.close();
      connected = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

double MetricValue(const std::string& metrics, const std::string& name) {
  size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + name.size() + 2));
}

}  // namespace

int Run(int seconds, int clients, const std::string& dir) {
  Process emu, tgate;
  std::vector<std::string> eargv{std::string(TGATE_BINARY_DIR) + "/tgate-emulator", "--listen", "127.0.0.1:0",
                                 "--token", kToken};
  if (!emu.Start(eargv, {}, dir + "/emulator")) Die("cannot start the emulator");
  auto eport = emu.WaitForText("listening on 127.0.0.1:", std::chrono::seconds(10));
  if (!eport) Die("emulator did not start: " + emu.Stderr());
  const std::string db = dir + "/tgate.db";
  std::map<std::string, std::string> env{
      {"TGATE_BOT_TOKEN", kToken},
      {"TGATE_BOT_API_URL", "http://127.0.0.1:" + *eport},
      {"TGATE_API_KEY", "bench-key"},
      {"TGATE_LISTEN", "127.0.0.1:0"},
      {"TGATE_DB", db},
      {"TGATE_LONG_POLLING", "false"},
      {"TGATE_WEBHOOK_PATH", kHookPath},
      {"TGATE_WEBHOOK_SECRET", kSecret},
      {"TGATE_LOG_LEVEL", getenv("BENCH_DEBUG") ? "debug" : "warn"},
  };
  if (!tgate.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "serve"}, env, dir + "/tgate")) Die("tgate");
  auto port_text = tgate.WaitForText("tgate listening on 127.0.0.1:", std::chrono::seconds(30));
  if (!port_text) Die("tgate did not start: " + tgate.Stderr());
  const uint16_t port = static_cast<uint16_t>(std::stoi(*port_text));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> next_id{1}, ok{0}, bad{0};
  std::atomic<int64_t> peak_wal{0};
  double peak_metric = 0;
  std::thread sampler([&] {
    while (!stop.load()) {
      peak_wal = std::max(peak_wal.load(), FileBytes(db + "-wal"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  for (int i = 0; i < clients; ++i)
    threads.emplace_back(Client, port, std::ref(next_id), std::cref(stop), std::ref(ok), std::ref(bad));
  int64_t last_ok = 0;
  for (int s = 1; s <= seconds; ++s) {
    std::this_thread::sleep_until(start + std::chrono::seconds(s));
    // Every 10 s: the rate of the last interval, and what /metrics says.
    if (s % 10 == 0 || s == seconds) {
      auto m = itest::HttpCall(port, "GET", "/metrics", "", {{"Authorization", "Bearer bench-key"}});
      const double wal_metric = MetricValue("\n" + m.body, "tgate_db_wal_bytes");
      peak_metric = std::max(peak_metric, wal_metric);
      const int64_t now_ok = ok.load();
      std::printf("  %3d s: %7.0f updates/s, WAL %6.1f MB (file), %6.1f MB (/metrics), peak %6.1f MB\n", s,
                  double(now_ok - last_ok) / (s % 10 == 0 ? 10 : s % 10),
                  double(FileBytes(db + "-wal")) / 1e6, wal_metric / 1e6, double(peak_wal.load()) / 1e6);
      std::fflush(stdout);
      last_ok = now_ok;
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  sampler.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  tgate.Signal(SIGTERM);
  tgate.Wait(std::chrono::seconds(20));
  emu.Signal(SIGTERM);
  emu.Wait(std::chrono::seconds(5));
  const double peak_mb = double(peak_wal.load()) / 1e6;
  const bool met = peak_mb <= kTargetWalMb && ok.load() > 0;
  std::printf("\n  %-44s %12s   %s\n", "ingest over loopback", "measured", "target");
  std::printf("  %-44s %12d\n", "duration (s)", seconds);
  std::printf("  %-44s %12d\n", "client connections", clients);
  std::printf("  %-44s %12lld\n", "updates accepted (200)", static_cast<long long>(ok.load()));
  std::printf("  %-44s %12lld\n", "updates refused or failed", static_cast<long long>(bad.load()));
  std::printf("  %-44s %12.0f\n", "updates/s sustained", double(ok.load()) / elapsed);
  std::printf("  %-44s %12.1f   <= %.0f  %s\n", "peak WAL file (MB, sampled every 20 ms)", peak_mb,
              kTargetWalMb, met ? "met" : "MISSED");
  std::printf("  %-44s %12.1f\n", "peak tgate_db_wal_bytes seen (MB)", peak_metric / 1e6);
  std::printf("  %-44s %12.1f\n", "database file at the end (MB)", double(FileBytes(db)) / 1e6);
  return met ? 0 : 1;
}

}  // namespace tgate::bench

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int seconds = 60, clients = 8;
  const char* usage =
      "usage: ingest_bench [--seconds N] [--clients N]\n"
      "  --seconds  how long to ingest (default 60; the issue's target is for 300)\n"
      "  --clients  keep-alive connections posting updates (default 8)\n"
      "  BENCH_DEBUG=1 keeps the work directory\n";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--seconds" || a == "--clients") && i + 1 < argc) {
      int v = std::atoi(argv[++i]);
      if (v <= 0) {
        std::fprintf(stderr, "ingest_bench: %s must be a positive number\n%s", a.c_str(), usage);
        return 2;
      }
      (a == "--seconds" ? seconds : clients) = v;
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", usage);
      return 0;
    } else {
      std::fprintf(stderr, "ingest_bench: unknown or incomplete argument '%s'\n%s", a.c_str(), usage);
      return 2;
    }
  }
  std::string dir = (fs::temp_directory_path() / "tgate-ingest-bench-XXXXXX").string();
  if (!mkdtemp(dir.data())) return 1;
  std::printf("tgate ingest benchmark: %d s, %d connections (work dir %s)\n", seconds, clients, dir.c_str());
  int rc = tgate::bench::Run(seconds, clients, dir);
  if (!getenv("BENCH_DEBUG")) fs::remove_all(dir);
  std::printf("\n%s\n", rc == 0 ? "all targets met" : "some targets MISSED");
  return rc;
}
