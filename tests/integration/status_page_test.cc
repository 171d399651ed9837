// The status page (issue 14 item 7) through the real binary: GET /status and
// /status.json behind HTTP Basic (the API key as the password), and the page
// rendered by headless Chromium (Debian's chromium) during a broadcast: the
// plot shows a rate above zero, the broadcast's progress advances between two
// loads, and a screenshot is kept under the build dir.
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

// "user:itest-api-key" and "user:wrong" in base64.
constexpr char kGoodBasic[] = "Basic dXNlcjppdGVzdC1hcGkta2V5";
constexpr char kWrongBasic[] = "Basic dXNlcjp3cm9uZw==";

class StatusPage : public GatewayTest {
 protected:
  HttpAnswer Get(const std::string& target, const std::string& authorization) {
    std::map<std::string, std::string> headers;
    if (!authorization.empty()) headers["Authorization"] = authorization;
    return TgateCall(tgate_port_, "GET", target, "", headers);
  }

  // Starts a broadcast to `users` linked users spread over `spread_s`
  // seconds: it runs for the test's length at about users/spread_s per second.
  int64_t StartSlowBroadcast(int users, int spread_s) {
    for (int u = 0; u < users; ++u) LinkUser("s" + std::to_string(u), 7000 + u);
    auto b = Api("POST", "/v1/broadcasts",
                 R"({"all":true,"text":"status news","spread_seconds":)" + std::to_string(spread_s) + "}");
    EXPECT_EQ(b.status, 202) << b.body;
    return b.Int("id");
  }
};

TEST_F(StatusPage, NeedsBasicAuthWithTheApiKey) {
  StartEmulator();
  StartTgate();
  auto none = Get("/status", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("API key as the password"), std::string::npos) << none.body;
  auto wrong = Get("/status", kWrongBasic);
  EXPECT_EQ(wrong.status, 401);
  auto bearer = Get("/status.json", std::string("Bearer ") + kApiKey);  // the site API's scheme is not it
  EXPECT_EQ(bearer.status, 401);
  auto page = Get("/status", kGoodBasic);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<script"), std::string::npos);
  EXPECT_NE(page.body.find("\"username\""), std::string::npos)
      << "the figures are embedded for the first paint";
  EXPECT_EQ(page.body.find("src=\"http"), std::string::npos) << "the page loads nothing from elsewhere";
  EXPECT_EQ(page.body.find(kApiKey), std::string::npos) << "the key is never in the page";
}

TEST_F(StatusPage, JsonHasEveryBotsFigures) {
  StartEmulator();
  StartTgate();
  const int64_t id = StartSlowBroadcast(6, 60);
  auto r = Get("/status.json", kGoodBasic);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& o = r.json.as_object();
  EXPECT_FALSE(o.at("version").as_string().empty());
  EXPECT_GE(o.at("outbox").at("backlog").to_number<int64_t>(), 0);
  const auto& bot = o.at("bots").at(0).as_object();
  EXPECT_EQ(bot.at("name"), "default");
  EXPECT_FALSE(bot.at("username").as_string().empty());
  EXPECT_EQ(bot.at("owned"), true);
  EXPECT_TRUE(bot.at("webhook").at("checked").as_bool());
  // The harness registers the webhook with the emulator after tgate's first
  // look (it has no public_url), so that look saw none: only its shape here.
  EXPECT_TRUE(bot.at("webhook").at("url_set").is_bool());
  EXPECT_EQ(bot.at("webhook").at("last_error_message"), "");
  EXPECT_EQ(bot.at("webhook").at("pending_update_count"), 0);
  EXPECT_GE(bot.at("queue_depth").to_number<int64_t>(), 1);
  EXPECT_GT(bot.at("limit_per_second").to_number<double>(), 0);
  for (const char* k : {"sent", "failed", "retried", "rate_limited", "in_flight"}) {
    EXPECT_TRUE(bot.at("dispatch").as_object().contains(k)) << k;
  }
  EXPECT_FALSE(bot.at("rate").at("points").as_array().empty());
  const auto& bcs = bot.at("broadcasts").as_array();
  ASSERT_EQ(bcs.size(), 1u) << r.body;
  EXPECT_EQ(bcs[0].at("id"), id);
  EXPECT_EQ(bcs[0].at("total"), 6);

  // A failure shows with Telegram's reason.
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":9292,"behavior":"not_found"})").status, 200);
  auto m = Api("POST", "/v1/messages", R"({"chat_id":9292,"text":"x"})");
  ASSERT_EQ(m.status, 202) << m.body;
  ASSERT_TRUE(WaitUntil([&] {
    auto s = Get("/status.json", kGoodBasic);
    if (!s.json.is_object()) return false;
    const auto& f = s.json.at("bots").at(0).at("failures").as_array();
    return !f.empty() && f[0].at("message_id") == m.Int("id") &&
           f[0].at("reason").as_string().find("chat not found") != boost::json::string::npos;
  }));
}

// Chromium ------------------------------------------------------------------

std::string FindChromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

// Runs a command, returns its stdout (stderr goes to `log`).
std::string RunLogged(const std::string& command, const std::string& log) {
  std::string out;
  FILE* f = popen((command + " 2>>" + log).c_str(), "r");
  if (!f) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  pclose(f);
  return out;
}

struct Rendered {
  double peak_rate = -1;
  int64_t broadcast_done = -1;
  int64_t broadcast_total = -1;
  bool stale_shown = false;
};

Rendered Parse(const std::string& dom) {
  Rendered r;
  std::smatch m;
  if (std::regex_search(dom, m, std::regex(R"re(<svg[^>]*data-peak-rate="([0-9.]+)")re"))) {
    r.peak_rate = std::stod(m[1]);
  }
  if (std::regex_search(
          dom, m,
          std::regex(R"re(class="broadcast"[^>]*data-done="([0-9]+)"[^>]*data-total="([0-9]+)")re"))) {
    r.broadcast_done = std::stoll(m[1]);
    r.broadcast_total = std::stoll(m[2]);
  }
  r.stale_shown = std::regex_search(dom, std::regex(R"re(id="stale" style="display: inline)re"));
  return r;
}

TEST_F(StatusPage, ChromiumSeesTheRateAndABroadcastAdvancing) {
  const std::string chromium = FindChromium();
  ASSERT_FALSE(chromium.empty()) << "chromium is not installed: run scripts/install-deps.sh (CI installs it)";
  StartEmulator();
  StartTgate();
  StartSlowBroadcast(30, 40);  // ~0.75 message/s for 40 s

  // Basic credentials go in the URL: headless Chromium answers the 401
  // challenge with them for the navigation, and the page's own refreshes
  // (fetch of /status.json on the origin) reuse the cached credentials.
  const std::string url =
      "http://status:" + std::string(kApiKey) + "@127.0.0.1:" + std::to_string(tgate_port_) + "/status";
  const std::string log = dir_ + "/chromium.log";
  const std::string base = chromium + " --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage " +
                           "--no-first-run --hide-scrollbars --user-data-dir=" + dir_ + "/chromium-profile ";
  // The budget lets the page's own refresh (every 2 s) run once.
  const std::string dump = base + "--virtual-time-budget=3000 --dump-dom '" + url + "'";

  ASSERT_TRUE(WaitUntil(
      [&] {
        auto s = Get("/status.json", kGoodBasic);
        return s.json.is_object() &&
               s.json.at("bots").at(0).at("dispatch").at("sent").to_number<int64_t>() > 0;
      },
      std::chrono::seconds(20)))
      << "nothing was sent";
  std::string first_dom = RunLogged(dump, log);
  Rendered first = Parse(first_dom);
  ASSERT_GE(first.broadcast_done, 0) << "no broadcast progress in the page; chromium's log: " << log << "\n"
                                     << first_dom.substr(0, 2000);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  std::string second_dom = RunLogged(dump, log);
  Rendered second = Parse(second_dom);

  EXPECT_GT(second.peak_rate, 0) << "the plot shows no sending";
  EXPECT_NE(second_dom.find("<circle"), std::string::npos) << "the newest rate is not drawn";
  EXPECT_EQ(second.broadcast_total, 30);
  EXPECT_GT(second.broadcast_done, first.broadcast_done) << "the broadcast did not advance between the loads";
  EXPECT_FALSE(second.stale_shown) << "the page's own refresh of /status.json failed";

  const std::string shot = std::string(TGATE_BINARY_DIR) + "/artifacts/status_page.png";
  std::filesystem::create_directories(std::filesystem::path(shot).parent_path());
  std::filesystem::remove(shot);
  RunLogged(
      base + "--virtual-time-budget=3000 --window-size=1280,1600 --screenshot=" + shot + " '" + url + "'",
      log);
  ASSERT_TRUE(std::filesystem::exists(shot)) << "no screenshot; chromium's log: " << log;
  EXPECT_GT(std::filesystem::file_size(shot), 10000u);
  std::printf("status page screenshot: %s\n", shot.c_str());
}

}  // namespace
}  // namespace tgate::itest
