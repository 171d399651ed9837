#include "tools/emulator/webhook_post.h"

#include <boost/url/parse.hpp>

namespace tgate::emulator {

namespace {

using tcp = asio::ip::tcp;

std::string ConnectError(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "Timeout expired";
  if (ec == asio::error::connection_refused) return "Connection refused";
  return "Failed to connect: " + ec.message();
}

std::string ExchangeError(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "Timeout expired";
  return "Webhook connection closed";  // botapi-facts.md §2
}

}  // namespace

Awaitable<PostOutcome> PostUpdate(asio::any_io_executor executor, std::string url, std::string secret_token,
                                  std::string body, std::chrono::milliseconds timeout) {
  PostOutcome out;
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    out.error = parsed && parsed->scheme() == "https" ? "The emulator delivers webhooks over http:// only"
                                                      : "Bad webhook URL";
    co_return out;
  }
  const std::string host = parsed->host_address();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, kAsTuple);
  if (rec) {
    out.error = "Failed to resolve host: " + rec.message();
    co_return out;
  }
  auto [cec, ep] = co_await stream.async_connect(endpoints, kAsTuple);
  if (cec) {
    out.error = ConnectError(cec);
    co_return out;
  }
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, std::string(parsed->encoded_host_and_port()));
  req.set(bhttp::field::content_type, "application/json");
  if (!secret_token.empty()) req.set("X-Telegram-Bot-Api-Secret-Token", secret_token);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kAsTuple);
  if (wec) {
    out.error = ExchangeError(wec);
    co_return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  auto [rdec, rn] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (rdec) {
    out.error = ExchangeError(rdec);
    co_return out;
  }
  out.answered = true;
  out.status = parser.get().result_int();
  if (!out.ok()) {
    out.error = "Wrong response from the webhook: " + std::to_string(out.status) + " " +
                std::string(bhttp::obsolete_reason(parser.get().result()));
  }
  co_return out;
}

}  // namespace tgate::emulator
