// Fuzzes what tgate's listener does with raw request bytes: Beast's parser
// with the server's limits (http/server.cc), then the Router — the webhook
// path, its secret header and UpdateReceiver, the site API's auth, paths and
// query strings, /healthz, /metrics — on an in-memory store (site_fixture.h).
// Invariants: a request that parses gets a documented status (never 5xx), a
// JSON answer (the error shape for errors) with no secret it did not carry; a
// webhook request without the right path, method and secret is never 200; one
// with them is always 200 (malformed updates are acknowledged).
#include <boost/url.hpp>

#include "fuzz/site_fixture.h"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tgate::fuzz;
  auto& site = SiteFixture::Get();
  std::string_view bytes = AsText(data, size);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);  // ServerOptions::body_limit's default
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < size && !parser.is_done()) {
    size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (n == 0) break;
    }
    if (ec) break;
    used += n;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413 or waits for more
  tgate::http::Request req = parser.release();

  auto url = boost::urls::parse_origin_form(req.target());
  std::string_view path = url ? std::string_view(url->encoded_path()) : std::string_view();
  tgate::http::Response res = site.Handle(req);
  CheckAnswer(res, bytes, path == "/metrics");
  if (!url) FUZZ_CHECK(res.result_int() == 400);

  if (path.rfind("/hooks/telegram/", 0) == 0) {
    std::string_view segment = path.substr(16);
    auto secret = req.find("X-Telegram-Bot-Api-Secret-Token");
    std::string_view got = secret == req.end() ? std::string_view() : std::string_view(secret->value());
    const bool is_post = req.method() == bhttp::verb::post;
    const bool known_path = segment == kHookPath || segment == kShopHookPath;
    const bool authenticated = known_path && is_post && (segment == kShopHookPath || got == kHookSecret);
    if (!authenticated) FUZZ_CHECK(res.result_int() != 200);
    if (authenticated) FUZZ_CHECK(res.result_int() == 200);
    if (!known_path) FUZZ_CHECK(res.result_int() == 404);
  }
  return 0;
}
