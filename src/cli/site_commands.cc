// tgate link USER / send USER TEXT: through the running tgate's site API.
#include <iostream>

#include "cli/common.h"
#include "cli/site_client.h"

namespace tgate::cli {
namespace {

// POSTs `body` to `path` of the running tgate and prints the answer.
int PostToSite(const Globals& g, const std::string& url, const std::string& path, boost::json::object body) {
  if (!g.bot.empty()) body["bot"] = g.bot;
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    auto site = SiteClient::Make(io, g, url);
    if (!site) co_return 1;
    auto answer = co_await site->Call(bhttp::verb::post, path, boost::json::serialize(body));
    if (!answer) co_return 1;
    std::cout << boost::json::serialize(*answer) << std::endl;
    co_return 0;
  });
}

}  // namespace

void AddSiteCommands(CLI::App& app, Globals& g) {
  static std::string url, user, text;
  static int64_t ttl = 0;
  CLI::App* link = app.add_subcommand("link", "Create a one-time deep link for a site user (POST /v1/links)");
  link->add_option("USER", user, "Site user id")->required();
  link->add_option("--ttl", ttl, "Seconds the link stays valid (default: link_ttl_seconds)");
  link->add_option("--url", url, "Base URL of the running tgate (default: http://<listen>)");
  link->callback([&g] {
    boost::json::object body{{"user", user}};
    if (ttl > 0) body["ttl_seconds"] = ttl;
    ExitWith(PostToSite(g, url, "/v1/links", body));
  });

  CLI::App* send = app.add_subcommand("send", "Queue a message to a linked site user (POST /v1/messages)");
  send->add_option("USER", user, "Site user id")->required();
  send->add_option("TEXT", text, "Message text")->required();
  send->add_option("--url", url, "Base URL of the running tgate (default: http://<listen>)");
  send->callback([&g] { ExitWith(PostToSite(g, url, "/v1/messages", {{"user", user}, {"text", text}})); });
}

}  // namespace tgate::cli
