// tgate link USER / send USER TEXT: talk to a running tgate through its own
// site API (so the running dispatcher picks the work up at once), with the
// API key and address from the configuration.
#include <iostream>

#include "cli/common.h"
#include "http/client.h"

namespace tgate::cli {
namespace {

struct SiteOptions {
  std::string url;  // default: http://<listen>
};

// POSTs `body` to `path` of the running tgate; prints the answer.
int PostToSite(const Globals& g, const SiteOptions& o, const std::string& path, boost::json::object body) {
  auto c = LoadConfig(g);
  if (!c) return 1;
  if (c->api_key.empty()) return Fail("no API key: set TGATE_API_KEY (or api_key in the config file)");
  if (!g.bot.empty()) body["bot"] = g.bot;
  std::string base = o.url.empty() ? "http://" + c->listen : o.url;
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    http::ClientOptions co;
    co.base_url = base;
    co.max_connections = 1;
    co.timeout = std::chrono::seconds(30);
    http::Client client(io.get_executor(), co);
    if (Status s = client.Init(); !s.ok()) co_return Fail(s.message());
    http::Client::Headers headers;
    headers.emplace_back("Authorization", "Bearer " + c->api_key);
    auto r = co_await client.SendWithHeaders(bhttp::verb::post, path, "application/json",
                                             boost::json::serialize(body), std::move(headers));
    if (!r.ok()) co_return Fail("cannot reach tgate at " + base + ": " + r.status().message() +
                                " (is `tgate serve` running? pass --url)");
    if (r->status / 100 != 2) co_return Fail("tgate answered " + std::to_string(r->status) + ": " + r->body);
    std::cout << r->body << std::endl;
    co_return 0;
  });
}

}  // namespace

void AddSiteCommands(CLI::App& app, Globals& g) {
  static SiteOptions o;
  static std::string user, text;
  static int64_t ttl = 0;
  CLI::App* link = app.add_subcommand("link", "Create a one-time deep link for a site user (POST /v1/links)");
  link->add_option("USER", user, "Site user id")->required();
  link->add_option("--ttl", ttl, "Seconds the link stays valid (default: link_ttl_seconds)");
  link->add_option("--url", o.url, "Base URL of the running tgate (default: http://<listen>)");
  link->callback([&g] {
    boost::json::object body{{"user", user}};
    if (ttl > 0) body["ttl_seconds"] = ttl;
    ExitWith(PostToSite(g, o, "/v1/links", body));
  });

  CLI::App* send = app.add_subcommand("send", "Queue a message to a linked site user (POST /v1/messages)");
  send->add_option("USER", user, "Site user id")->required();
  send->add_option("TEXT", text, "Message text")->required();
  send->add_option("--url", o.url, "Base URL of the running tgate (default: http://<listen>)");
  send->callback([&g] { ExitWith(PostToSite(g, o, "/v1/messages", {{"user", user}, {"text", text}})); });
}

}  // namespace tgate::cli
