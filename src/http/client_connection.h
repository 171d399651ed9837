// ClientConnection: one HTTP/1.1 connection (plain TCP or TLS over TCP) owned
// by the Client's pool. It connects, writes one request and reads one response
// at a time; every operation takes an absolute deadline (steady_clock) and
// fails with beast::error::timeout once it passes (the socket is then closed).
// Not a pool, not thread-safe: used by one Send() at a time on the Client's
// executor. Keeps `*open_counter` equal to the number of open connections.
// After connecting, writes and reads are timed by the Client's DeadlineWatch
// (one timer for the pool) rather than a timer per operation. On plain TCP a
// request is written to the socket at once, and an answer read from what it
// holds at once; only what it does not take, or does not hold yet, then
// waits for it (and is watched).
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/asio.h"
#include "http/deadline_watch.h"
#include "http/response_parser.h"

namespace tgate::http {

class ClientConnection final : private DeadlineWatch::Watched {
 public:
  using Deadline = std::chrono::steady_clock::time_point;
  using Endpoints = std::vector<asio::ip::tcp::endpoint>;

  // `tls` null means plain TCP; otherwise it must outlive the connection.
  // `sni_host` is sent as TLS SNI and checked against the certificate when
  // `verify` (empty: an IP literal, no SNI). `watch` and `open_counter` must
  // outlive this.
  ClientConnection(asio::any_io_executor executor, asio::ssl::context* tls, const std::string& sni_host,
                   bool verify, DeadlineWatch& watch, size_t* open_counter);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // TCP connect to the first reachable endpoint, then the TLS handshake.
  // `tls_failed` is set when TCP worked but the handshake did not.
  Awaitable<boost::system::error_code> Connect(const Endpoints& endpoints, Deadline deadline,
                                               bool& tls_failed);
  // Writes `head` (see request_head.h) then `body` in one go, in two
  // halves. WriteNow writes to a plain socket at once, without waiting (a
  // request fits its send buffer); it returns whether it finished, `ec` then
  // saying how. When it did not (TLS, or a full send buffer), the caller
  // awaits WriteRest, which writes the rest under `deadline`. So nearly
  // every request is written without a coroutine of its own.
  bool WriteNow(const std::string& head, const std::string& body, boost::system::error_code& ec);
  Awaitable<boost::system::error_code> WriteRest(const std::string& head, const std::string& body,
                                                 Deadline deadline);
  // The same for the answer: ReadNow reads what a plain socket already
  // holds (read at the next pass, the answer usually is in: see NextPass);
  // when the answer is not all in (or on TLS), ReadRest waits for the rest
  // under `deadline`. The parser and the buffer keep what was read so far.
  bool ReadNow(ResponseParser& parser, boost::system::error_code& ec);
  Awaitable<boost::system::error_code> ReadRest(ResponseParser& parser, Deadline deadline);
  // Closes the socket without a TLS close_notify (which could block on a dead peer).
  void Close();

 private:
  beast::tcp_stream& Lowest();
  // Bracket one write or read: watched until `deadline`; the error of an
  // operation the watch cut short becomes beast::error::timeout.
  void Begin(Deadline deadline);
  boost::system::error_code End(boost::system::error_code ec);
  void Expire() override;

  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  static constexpr size_t kReadBufferBytes = 32 * 1024;
  beast::flat_buffer buffer_;  // reused across responses on this connection
  DeadlineWatch& watch_;
  size_t* open_counter_;
  bool expired_ = false;
  bool counted_ = false;
  size_t written_now_ = 0;  // of the request WriteNow began: what WriteRest skips
};

}  // namespace tgate::http
