// ResponseParser: reads one HTTP/1.1 response off a connection into the
// ClientResponse the Client returns: its status, Content-Type, Retry-After and
// body. Beast's basic_parser still does the HTTP (syntax, Content-Length,
// chunked bodies, keep-alive, the size limits); what this adds is that every
// other header is checked and read past, never stored. A response parser
// that keeps the whole header (Beast's http::response_parser) allocates a
// field for each header line and files it in a tree, for every answer
// Telegram gives: the Client reports none of them. Not a general response
// model, and one response only: make a new one for the next.
#pragma once

#include <boost/optional.hpp>
#include <cstdint>

#include "http/asio.h"
#include "http/client.h"

namespace tgate::http {

class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  // A body longer than `limit` bytes fails the read with
  // bhttp::error::body_limit.
  explicit ResponseParser(uint64_t limit);

  // The response read, once is_done(); leaves the body moved out.
  ClientResponse Take();

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       boost::system::error_code&) override {}  // a response parser is never given a request
  void on_response_impl(int code, beast::string_view reason, int version,
                        boost::system::error_code& ec) override;
  void on_field_impl(bhttp::field name, beast::string_view name_string, beast::string_view value,
                     boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::system::error_code& ec) override;
  std::size_t on_body_impl(beast::string_view body, boost::system::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, beast::string_view extensions,
                            boost::system::error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, beast::string_view body,
                                 boost::system::error_code& ec) override;
  void on_finish_impl(boost::system::error_code& ec) override;

  ClientResponse response_;
  bool content_type_seen_ = false;
  bool retry_after_seen_ = false;
};

}  // namespace tgate::http
