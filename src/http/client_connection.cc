#include "http/client_connection.h"

#include <openssl/ssl.h>

#include <array>

namespace tgate::http {

ClientConnection::ClientConnection(asio::any_io_executor executor, asio::ssl::context* tls,
                                   const std::string& sni_host, bool verify, DeadlineWatch& watch,
                                   size_t* open_counter)
    : watch_(watch), open_counter_(open_counter) {
  // Beast reads into what the buffer holds spare, and grows it only when
  // that is under 512 bytes, so a buffer that starts small reads every
  // answer 512 bytes at a time: a sendMessage answer echoing a 3,000-byte
  // text took seven reads, each a pass through Asio and Beast (recvfrom per
  // delivered message 6.8 against 1.1 for a short text). One read of up to
  // this many bytes takes Telegram's answer to any send (the longest text,
  // 4,096 characters of up to 4 bytes, with its entities) whole.
  buffer_.reserve(kReadBufferBytes);
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

ClientConnection::~ClientConnection() {
  watch_.Remove(*this);
  Close();
}

beast::tcp_stream& ClientConnection::Lowest() { return plain_ ? *plain_ : beast::get_lowest_layer(*tls_); }

Awaitable<boost::system::error_code> ClientConnection::Connect(const Endpoints& endpoints, Deadline deadline,
                                                               bool& tls_failed) {
  tls_failed = false;
  auto& tcp = Lowest();
  tcp.expires_at(deadline);
  auto [ec, endpoint] = co_await tcp.async_connect(endpoints, kAsTuple);
  if (ec) co_return ec;
  counted_ = true;
  ++*open_counter_;
  boost::system::error_code ignored;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  // Non-blocking for the caller too: Write() tries the socket directly first,
  // and a full send buffer must answer would_block rather than block.
  if (!tls_) tcp.socket().non_blocking(true, ignored);
  if (tls_) {
    tcp.expires_at(deadline);
    auto [hec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kAsTuple);
    if (hec) {
      tls_failed = true;
      Close();
      co_return hec;
    }
  }
  tcp.expires_never();  // from here on the watchdog keeps the deadlines
  co_return boost::system::error_code{};
}

void ClientConnection::Begin(Deadline deadline) {
  expired_ = false;
  watch_.Add(*this, deadline);
}

boost::system::error_code ClientConnection::End(boost::system::error_code ec) {
  watch_.Remove(*this);
  return expired_ ? beast::error::timeout : ec;
}

void ClientConnection::Expire() {
  expired_ = true;
  Close();  // the pending read or write completes with an error
}

bool ClientConnection::WriteNow(const std::string& head, const std::string& body,
                                boost::system::error_code& ec) {
  written_now_ = 0;
  if (!plain_) return false;
  // An asynchronous write that completes at once still resumes its caller
  // through the executor's queue, one more pass of its loop (and of the
  // reactor when the loop is polled) for every send.
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  ec = {};
  const size_t n = plain_->socket().write_some(buffers, ec);
  if (!ec && n == asio::buffer_size(buffers)) return true;
  if (ec && ec != asio::error::would_block) return true;
  written_now_ = ec ? 0 : n;
  return false;
}

Awaitable<boost::system::error_code> ClientConnection::WriteRest(const std::string& head,
                                                                 const std::string& body, Deadline deadline) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  Begin(deadline);
  if (plain_) {
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
    rest.consume(written_now_);
    auto [ec, written] = co_await asio::async_write(plain_->socket(), rest, kAsTuple);
    co_return End(ec);
  }
  auto [ec, n] = co_await asio::async_write(*tls_, buffers, kAsTuple);
  co_return End(ec);
}

bool ClientConnection::ReadNow(ResponseParser& parser, boost::system::error_code& ec) {
  if (!plain_) return false;
  // An asynchronous read that completes at once still goes through a
  // composed operation of Beast's and the executor's queue.
  ec = {};
  bhttp::read(plain_->socket(), buffer_, parser, ec);
  return ec != asio::error::would_block;
}

Awaitable<boost::system::error_code> ClientConnection::ReadRest(ResponseParser& parser, Deadline deadline) {
  Begin(deadline);
  if (plain_) {
    // ReadNow just tried the socket: the wait does not try it first, as an
    // asynchronous read would; each wake reads what came, the same way.
    auto& socket = plain_->socket();
    boost::system::error_code ec;
    do {
      auto [wec] = co_await socket.async_wait(asio::socket_base::wait_read, kAsTuple);
      if (wec) co_return End(wec);
      bhttp::read(socket, buffer_, parser, ec);
    } while (ec == asio::error::would_block);
    co_return End(ec);
  }
  auto [ec, n] = co_await bhttp::async_read(*tls_, buffer_, parser, kAsTuple);
  co_return End(ec);
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
