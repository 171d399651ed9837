#include "http/client_connection.h"

#include <openssl/ssl.h>

namespace tgate::http {

ClientConnection::ClientConnection(asio::any_io_executor executor, asio::ssl::context* tls,
                                   const std::string& sni_host, bool verify, size_t* open_counter)
    : open_counter_(open_counter) {
  if (tls == nullptr) {
    plain_.emplace(executor);
    return;
  }
  tls_.emplace(beast::tcp_stream(executor), *tls);
  if (!sni_host.empty()) {
    // SNI: api.telegram.org sits behind a load balancer that needs it.
    SSL_set_tlsext_host_name(tls_->native_handle(), sni_host.c_str());
  }
  if (verify) {
    tls_->set_verify_mode(asio::ssl::verify_peer);
    tls_->set_verify_callback(asio::ssl::host_name_verification(sni_host));
  }
}

ClientConnection::~ClientConnection() { Close(); }

beast::tcp_stream& ClientConnection::Lowest() {
  return plain_ ? *plain_ : beast::get_lowest_layer(*tls_);
}

Awaitable<boost::system::error_code> ClientConnection::Connect(const Endpoints& endpoints,
                                                               Deadline deadline, bool& tls_failed) {
  tls_failed = false;
  auto& tcp = Lowest();
  tcp.expires_at(deadline);
  auto [ec, endpoint] = co_await tcp.async_connect(endpoints, kAsTuple);
  if (ec) co_return ec;
  counted_ = true;
  ++*open_counter_;
  boost::system::error_code ignored;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (tls_) {
    tcp.expires_at(deadline);
    auto [hec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kAsTuple);
    if (hec) {
      tls_failed = true;
      Close();
      co_return hec;
    }
  }
  co_return boost::system::error_code{};
}

Awaitable<boost::system::error_code> ClientConnection::Write(
    const bhttp::request<bhttp::string_body>& req, Deadline deadline) {
  Lowest().expires_at(deadline);
  if (plain_) {
    auto [ec, n] = co_await bhttp::async_write(*plain_, req, kAsTuple);
    co_return ec;
  }
  auto [ec, n] = co_await bhttp::async_write(*tls_, req, kAsTuple);
  co_return ec;
}

Awaitable<boost::system::error_code> ClientConnection::Read(
    bhttp::response_parser<bhttp::string_body>& parser, Deadline deadline) {
  Lowest().expires_at(deadline);
  if (plain_) {
    auto [ec, n] = co_await bhttp::async_read(*plain_, buffer_, parser, kAsTuple);
    co_return ec;
  }
  auto [ec, n] = co_await bhttp::async_read(*tls_, buffer_, parser, kAsTuple);
  co_return ec;
}

void ClientConnection::Close() {
  if (counted_) {
    counted_ = false;
    --*open_counter_;
  }
  boost::system::error_code ignored;
  Lowest().socket().close(ignored);
}

}  // namespace tgate::http
