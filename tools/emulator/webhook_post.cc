#include "tools/emulator/webhook_post.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace tgate::emulator {

namespace {

using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

constexpr size_t kMaxResponseBody = 1 << 20;

std::string ConnectError(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "Timeout expired";
  if (ec == asio::error::connection_refused) return "Connection refused";
  return "Failed to connect: " + ec.message();
}

std::string ExchangeError(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "Timeout expired";
  return "Webhook connection closed";  // botapi-facts.md §2
}

// The Bot API's wording for a failed handshake: the OpenSSL error in braces,
// "SSL error {error:0A000086:SSL routines::certificate verify failed}".
std::string HandshakeError(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "Timeout expired";
  if (ec.category() == asio::error::get_ssl_category()) {
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
    return std::string("SSL error {") + buf + "}";
  }
  return "SSL error {" + ec.message() + "}";
}

// The trust for one attempt: the uploaded certificate alone, or the system's
// default store. An uploaded file OpenSSL cannot read trusts nothing, so the
// handshake then fails as an untrusted certificate would.
std::unique_ptr<ssl::context> TlsContext(const std::string& trusted_certificate_pem) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (trusted_certificate_pem.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->add_certificate_authority(asio::buffer(trusted_certificate_pem), ec);
  }
  ERR_clear_error();
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

// Makes the handshake check that the certificate names `host`: an IP address
// against the certificate's IP SANs, a name against its DNS SANs/CN (and as
// SNI, which RFC 6066 allows for names only).
void RequireHost(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set1_host(ssl, host.c_str());
    SSL_set_tlsext_host_name(ssl, host.c_str());
  }
}

// Writes `req` and reads the answer on a connected (and, for https,
// handshaken) stream.
template <typename Stream>
Awaitable<PostOutcome> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& req) {
  PostOutcome out;
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kAsTuple);
  if (wec) {
    out.error = ExchangeError(wec);
    co_return out;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [rdec, rn] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
  boost::system::error_code ignored;
  // The answer is read and the request said Connection: close, so the TLS
  // close_notify is not waited for: closing the socket is enough.
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
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

}  // namespace

Awaitable<PostOutcome> PostUpdate(asio::any_io_executor executor, std::string url, std::string secret_token,
                                  std::string trusted_certificate_pem, std::string body,
                                  std::chrono::milliseconds timeout) {
  PostOutcome out;
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https")) {
    out.error = "Bad webhook URL";
    co_return out;
  }
  const bool https = parsed->scheme() == "https";
  const std::string host = parsed->host_address();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (https ? "443" : "80");
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_after(timeout);
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, port, kAsTuple);
  if (rec) {
    out.error = "Failed to resolve host: " + rec.message();
    co_return out;
  }
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kAsTuple);
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
  if (!https) {
    out = co_await Exchange(tcp_stream, req);
    co_return out;
  }
  std::unique_ptr<ssl::context> ctx = TlsContext(trusted_certificate_pem);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), *ctx);
  RequireHost(tls.native_handle(), host);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, kAsTuple);
  if (hec) {
    out.error = HandshakeError(hec);
    co_return out;
  }
  out = co_await Exchange(tls, req);
  co_return out;
}

}  // namespace tgate::emulator
