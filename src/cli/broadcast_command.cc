// tgate broadcast: create a broadcast through the running tgate and watch it
// with a live progress line (sent/failed/pending, rate, ETA); Ctrl-C detaches
// without cancelling. --watch ID resumes watching, --cancel ID cancels.
#include <unistd.h>

#include <deque>
#include <fstream>
#include <iostream>

#include "cli/common.h"
#include "cli/progress.h"
#include "cli/site_client.h"
#include "cli/skipped_list.h"
#include "core/json_numbers.h"
#include "core/status_macros.h"

namespace tgate::cli {
namespace {

struct BroadcastOptions {
  bool all = false;
  std::string users_file;
  std::string text;
  std::string text_file;
  std::string spread = "0";
  bool paid = false;
  bool detach = false;
  int64_t watch = 0;
  int64_t cancel = 0;
  std::string url;
};

Result<std::vector<std::string>> ReadUsers(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) return Status::InvalidArgument("cannot read users file '" + path + "'");
    in = &file;
  }
  std::vector<std::string> users;
  std::string line;
  for (size_t n = 1; std::getline(*in, line); ++n) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.size() > 128)
      return Status::InvalidArgument("line " + std::to_string(n) + ": user id over 128 bytes");
    users.push_back(line);
  }
  if (users.empty()) return Status::InvalidArgument("the users file lists nobody");
  return users;
}

Result<boost::json::object> RequestBody(const Globals& g, const BroadcastOptions& o) {
  if (o.all == !o.users_file.empty())
    return Status::InvalidArgument("give exactly one of --all or --users FILE");
  std::string text = o.text;
  if (!o.text_file.empty()) {
    std::ifstream in(o.text_file);
    if (!in) return Status::InvalidArgument("cannot read text file '" + o.text_file + "'");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (text.empty()) return Status::InvalidArgument("give the message with --text or --text-file");
  TGATE_ASSIGN_OR_RETURN(auto spread, ParseDuration(o.spread));
  boost::json::object body{{"text", text}, {"spread_seconds", spread}, {"paid", o.paid}};
  if (o.all) {
    body["all"] = true;
  } else {
    TGATE_ASSIGN_OR_RETURN(auto users, ReadUsers(o.users_file));
    boost::json::array list;
    for (auto& u : users) list.emplace_back(u);
    body["users"] = std::move(list);
  }
  if (!g.bot.empty()) body["bot"] = g.bot;
  return body;
}

int64_t Field(const boost::json::value& v, const char* key) {
  return JsonInt64Field(v.if_object(), key).value_or(0);
}

std::string Describe(const boost::json::value& b, double rate) {
  int64_t total = Field(b, "total"), sent = Field(b, "sent"), failed = Field(b, "failed");
  int64_t pending = Field(b, "pending");
  int64_t done = total - pending;
  char line[200];
  std::snprintf(line, sizeof line, "%s %3lld%%  sent %lld  failed %lld  pending %lld  %.0f msg/s  ETA %s",
                RenderBar(done, total, 24).c_str(), static_cast<long long>(total ? done * 100 / total : 100),
                static_cast<long long>(sent), static_cast<long long>(failed), static_cast<long long>(pending),
                rate, rate > 0 ? FormatEta(static_cast<int64_t>(pending / rate)).c_str() : "?");
  return line;
}

// Polls the broadcast until it is done or cancelled, or Ctrl-C detaches.
Awaitable<int> Watch(asio::io_context& io, SiteClient& site, int64_t id) {
  const bool tty = isatty(STDOUT_FILENO);
  bool detached = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer tick(io);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    detached = true;
    tick.cancel();
  });
  std::deque<std::pair<std::chrono::steady_clock::time_point, int64_t>> history;  // (when, done)
  auto last_print = std::chrono::steady_clock::time_point{};
  size_t drawn = 0;  // width of the progress line on the terminal
  for (;;) {
    auto b = co_await site.Call(bhttp::verb::get, "/v1/broadcasts/" + std::to_string(id));
    if (!b) co_return 1;
    auto now = std::chrono::steady_clock::now();
    int64_t done = Field(*b, "total") - Field(*b, "pending");
    history.emplace_back(now, done);
    while (history.size() > 10) history.pop_front();
    double secs = std::chrono::duration<double>(now - history.front().first).count();
    double rate = secs > 0 ? (done - history.front().second) / secs : 0;
    std::string status(b->at("status").as_string());
    bool finished = status != "running";
    if (tty) {
      std::cout << RedrawLine(Describe(*b, rate), drawn) << std::flush;
    } else if (finished || now - last_print >= std::chrono::seconds(5)) {
      std::cout << Describe(*b, rate) << std::endl;
      last_print = now;
    }
    if (finished) {
      if (tty) std::cout << std::endl;
      std::cout << "broadcast " << id << " " << status << ": sent " << Field(*b, "sent") << ", failed "
                << Field(*b, "failed") << ", cancelled " << Field(*b, "cancelled") << std::endl;
      co_return 0;
    }
    if (!detached) {
      tick.expires_after(std::chrono::milliseconds(500));
      co_await tick.async_wait(kAsTuple);
    }
    if (detached) {
      if (tty) std::cout << std::endl;
      std::cout << "detached; the broadcast goes on. Watch it again with: tgate broadcast --watch " << id
                << std::endl;
      co_return 0;
    }
  }
}

int Run(const Globals& g, const BroadcastOptions& o) {
  if ((o.watch != 0) + (o.cancel != 0) + (o.all || !o.users_file.empty()) != 1) {
    return Fail("give --all or --users FILE to start a broadcast, or --watch ID, or --cancel ID");
  }
  boost::json::object body;
  if (o.watch == 0 && o.cancel == 0) {
    auto b = RequestBody(g, o);
    if (!b.ok()) return Fail(b.status().message());
    body = std::move(*b);
  }
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    auto site = SiteClient::Make(io, g, o.url);
    if (!site) co_return 1;
    if (o.cancel != 0) {
      auto c = co_await site->Call(bhttp::verb::delete_, "/v1/broadcasts/" + std::to_string(o.cancel));
      if (!c) co_return 1;
      std::cout << "broadcast " << o.cancel << " cancelled: sent " << Field(*c, "sent") << ", failed "
                << Field(*c, "failed") << ", cancelled " << Field(*c, "cancelled") << std::endl;
      co_return 0;
    }
    int64_t id = o.watch;
    if (id == 0) {
      auto created = co_await site->Call(bhttp::verb::post, "/v1/broadcasts", boost::json::serialize(body));
      if (!created) co_return 1;
      id = Field(*created, "id");
      std::cout << "broadcast " << id << ": " << Field(*created, "total") << " recipients ("
                << Field(*created, "skipped") << " skipped)" << std::endl;
      if (std::string skipped = SkippedList(*created); !skipped.empty()) std::cout << skipped << std::endl;
      if (o.detach) co_return 0;
    }
    co_return co_await Watch(io, *site, id);
  });
}

}  // namespace

void AddBroadcastCommand(CLI::App& app, Globals& g) {
  static BroadcastOptions o;
  CLI::App* cmd =
      app.add_subcommand("broadcast", "Send to many users through the running tgate, with live progress");
  cmd->add_flag("--all", o.all, "Every linked, unblocked user");
  cmd->add_option("--users", o.users_file, "File with one site user id per line ('-' = stdin)");
  cmd->add_option("--text", o.text, "Message text");
  cmd->add_option("--text-file", o.text_file, "Read the message text from a file")->check(CLI::ExistingFile);
  cmd->add_option("--spread", o.spread,
                  "Spread the sends over this long, e.g. 8h or 1h30m (default 0: as fast "
                  "as the limits allow)");
  cmd->add_flag("--paid", o.paid, "Use paid broadcasts (allow_paid_broadcast, up to 1000/s, costs Stars)");
  cmd->add_flag("--detach", o.detach, "Start it and return at once");
  cmd->add_option("--watch", o.watch, "Watch an existing broadcast");
  cmd->add_option("--cancel", o.cancel, "Cancel what an existing broadcast has not sent yet");
  cmd->add_option("--url", o.url, "Base URL of the running tgate (default: http://<listen>)");
  cmd->callback([&g] { ExitWith(Run(g, o)); });
}

}  // namespace tgate::cli
