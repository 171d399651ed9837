// Fuzzes ResponseParser (http/response_parser.h), which reads every answer
// the Bot API (or a site's events endpoint) sends back. Differential: Beast's
// own response_parser, which keeps the whole header, is fed the same bytes
// and must agree on whether the answer is one, and on its status, its first
// Content-Type, its body and whether the connection can be kept; the same
// bytes fed in pieces read the same; a body is never longer than the limit.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/beast/http.hpp>
#include <string>

#include "fuzz/fuzz_check.h"
#include "http/response_parser.h"

namespace {

namespace bhttp = boost::beast::http;

// Feeds `wire` `piece` bytes at a time (put() leaves what it cannot use yet
// for the next piece), then the end of the stream, as http::async_read would.
template <typename Parser>
boost::beast::error_code Feed(Parser& parser, std::string_view wire, size_t piece) {
  parser.eager(true);
  boost::beast::error_code ec;
  std::string pending;
  size_t at = 0;
  while (!parser.is_done()) {
    const size_t before = pending.size();
    if (at < wire.size()) {
      pending.append(wire.substr(at, piece));
      at += piece;
    }
    if (pending.empty()) break;  // never put() nothing: Beast's read never does
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (at >= wire.size() && used == 0 && pending.size() == before) break;
    } else if (ec) {
      return ec;
    }
  }
  if (parser.is_done()) return ec;
  // As Beast's read does: a stream that ends before any byte is no answer.
  if (!parser.got_some()) return bhttp::error::end_of_stream;
  parser.put_eof(ec);
  return ec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const uint64_t limit = in.ConsumeIntegralInRange<uint64_t>(0, 64);
  const size_t piece = in.ConsumeIntegralInRange<size_t>(1, 16);
  const std::string wire = in.ConsumeRemainingBytesAsString();

  tgate::http::ResponseParser ours(limit);
  const boost::beast::error_code ec = Feed(ours, wire, wire.size() + 1);
  bhttp::response_parser<bhttp::string_body> beasts;
  beasts.body_limit(limit);
  const boost::beast::error_code beast_ec = Feed(beasts, wire, wire.size() + 1);
  FUZZ_CHECK(bool(ec) == bool(beast_ec));
  if (ec) FUZZ_CHECK(ec == beast_ec);

  tgate::http::ResponseParser in_pieces(limit);
  const boost::beast::error_code pieces_ec = Feed(in_pieces, wire, piece);
  FUZZ_CHECK(bool(pieces_ec) == bool(ec));
  if (ec) return 0;

  FUZZ_CHECK(ours.is_done() && in_pieces.is_done());
  FUZZ_CHECK(ours.keep_alive() == beasts.keep_alive());
  FUZZ_CHECK(ours.need_eof() == beasts.need_eof());
  const tgate::http::ClientResponse whole = ours.Take();
  const tgate::http::ClientResponse pieces = in_pieces.Take();
  const auto& msg = beasts.get();
  FUZZ_CHECK(whole.status == msg.result_int());
  FUZZ_CHECK(whole.content_type == msg[bhttp::field::content_type]);
  FUZZ_CHECK(whole.body == msg.body());
  FUZZ_CHECK(whole.body.size() <= limit);
  FUZZ_CHECK(pieces.status == whole.status && pieces.content_type == whole.content_type &&
             pieces.body == whole.body && pieces.retry_after == whole.retry_after);
  return 0;
}
