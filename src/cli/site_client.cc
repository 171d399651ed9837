#include "cli/site_client.h"

namespace tgate::cli {

std::unique_ptr<SiteClient> SiteClient::Make(asio::io_context& io, const Globals& g, const std::string& url) {
  auto c = LoadConfig(g);
  if (!c) return nullptr;
  if (c->api_key.empty()) {
    Fail("no API key: set TGATE_API_KEY (or api_key in the config file)");
    return nullptr;
  }
  std::unique_ptr<SiteClient> s(new SiteClient(io, url.empty() ? "http://" + c->listen : url, c->api_key));
  if (Status st = s->client_.Init(); !st.ok()) {
    Fail(st.message() + " (pass --url http://host:port)");
    return nullptr;
  }
  return s;
}

SiteClient::SiteClient(asio::io_context& io, std::string base, std::string api_key)
    : base_(base), api_key_(std::move(api_key)), client_(io.get_executor(), [&] {
        http::ClientOptions o;
        o.base_url = base;
        o.max_connections = 1;
        o.timeout = std::chrono::seconds(30);
        return o;
      }()) {}

Awaitable<std::optional<boost::json::value>> SiteClient::Call(bhttp::verb method, std::string path,
                                                              std::string body) {
  http::Client::Headers headers;
  headers.emplace_back("Authorization", "Bearer " + api_key_);
  std::string type = body.empty() ? std::string() : std::string("application/json");
  auto r =
      co_await client_.SendWithHeaders(method, path, std::move(type), std::move(body), std::move(headers));
  if (!r.ok()) {
    Fail("cannot reach tgate at " + base_ + ": " + r.status().message() +
         " (is `tgate serve` running? pass --url)");
    co_return std::nullopt;
  }
  boost::system::error_code ec;
  boost::json::value v = r->body.empty() ? boost::json::value() : boost::json::parse(r->body, ec);
  if (r->status / 100 != 2) {
    std::string message = r->body;
    if (!ec && v.is_object() && v.as_object().contains("error")) {
      message = std::string(v.at("error").at("message").as_string());
    }
    std::string hint;
    if (r->status == 401) {
      hint =
          " (the key sent is TGATE_API_KEY, or api_key in the --config file: it must be the running tgate's)";
    }
    Fail("tgate at " + base_ + " answered " + std::to_string(r->status) + " to " +
         std::string(bhttp::to_string(method)) + " " + path + ": " + message + hint);
    co_return std::nullopt;
  }
  co_return ec ? boost::json::value() : v;
}

}  // namespace tgate::cli
