// ResponseParser fed raw bytes, as a connection would hand them over: what it
// keeps of the header, the body however it is framed, and the limits.
#include "http/response_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tgate::http {
namespace {

// Feeds `wire` in pieces of `piece` bytes (what put() leaves unread is given
// again with the next piece), then the end of the stream if the parser needs it.
boost::system::error_code Feed(ResponseParser& parser, std::string_view wire, size_t piece) {
  boost::system::error_code ec;
  std::string pending;
  size_t at = 0;
  while (!parser.is_done()) {
    if (at < wire.size()) {
      pending.append(wire.substr(at, piece));
      at += piece;
    } else if (pending.empty()) {
      parser.put_eof(ec);
      return ec;
    }
    const size_t used = parser.put(asio::buffer(pending), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (at >= wire.size() && used == 0) {
        parser.put_eof(ec);
        return ec;
      }
    } else if (ec) {
      return ec;
    }
    pending.erase(0, used);
  }
  return ec;
}

// What a parser read off a whole answer.
struct Parsed {
  boost::system::error_code ec;
  bool keep_alive = false;
  bool need_eof = false;
  ClientResponse response;
};

Parsed Parse(std::string_view wire, size_t piece, uint64_t body_limit = 1 << 20) {
  ResponseParser parser(body_limit);
  parser.eager(true);
  Parsed out;
  out.ec = Feed(parser, wire, piece);
  if (out.ec || !parser.is_done()) return out;
  out.keep_alive = parser.keep_alive();
  out.need_eof = parser.need_eof();
  out.response = parser.Take();
  return out;
}

class ResponseParserTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ResponseParserTest, KeepsStatusTypeRetryAfterAndBodyOfALengthFramedAnswer) {
  const Parsed p = Parse(
      "HTTP/1.1 429 Too Many Requests\r\nServer: nginx\r\nContent-Type: application/json\r\n"
      "Retry-After: 7\r\nX-Long: " +
          std::string(300, 'x') + "\r\nContent-Length: 13\r\n\r\n{\"ok\":false}\n",
      GetParam());
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_TRUE(p.keep_alive);
  EXPECT_FALSE(p.need_eof);
  EXPECT_EQ(p.response.status, 429u);
  EXPECT_EQ(p.response.content_type, "application/json");
  EXPECT_EQ(p.response.retry_after, 7);
  EXPECT_EQ(p.response.body, "{\"ok\":false}\n");
}

TEST_P(ResponseParserTest, ReadsAChunkedBodyWhole) {
  const Parsed p = Parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ncontent-type: text/plain\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
      GetParam());
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_TRUE(p.keep_alive);
  EXPECT_EQ(p.response.status, 200u);
  EXPECT_EQ(p.response.content_type, "text/plain");
  EXPECT_EQ(p.response.retry_after, -1);  // none given
  EXPECT_EQ(p.response.body, "hello, world");
}

TEST_P(ResponseParserTest, ABodyToTheEndOfTheStreamSaysTheConnectionCannotBeKept) {
  const Parsed p =
      Parse("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\nupstream went away", GetParam());
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_FALSE(p.keep_alive);
  EXPECT_EQ(p.response.status, 502u);
  EXPECT_EQ(p.response.content_type, "");
  EXPECT_EQ(p.response.body, "upstream went away");
}

INSTANTIATE_TEST_SUITE_P(WholeOrInPieces, ResponseParserTest, ::testing::Values(size_t{1 << 20}, 1, 7));

TEST(ResponseParser, TheFirstOfARepeatedHeaderCountsAndARetryAfterThatIsNoNumberIsNone) {
  const Parsed p = Parse(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Type: text/html\r\n"
      "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n",
      1 << 20);
  ASSERT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.response.content_type, "application/json");
  EXPECT_EQ(p.response.retry_after, -1);
  EXPECT_EQ(p.response.body, "");
}

TEST(ResponseParser, ABodyOverTheLimitFailsHoweverItIsFramed) {
  const std::string over(17, 'a');
  for (const std::string& wire : {
           "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n" + over,
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n" + over + "\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n" + over.substr(0, 9) + "\r\n8\r\n" +
               over.substr(0, 8) + "\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\n\r\n" + over,
       }) {
    EXPECT_EQ(Parse(wire, 1 << 20, 16).ec, bhttp::error::body_limit) << wire;
  }
  const Parsed at_limit =
      Parse("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" + over.substr(0, 16), 1 << 20, 16);
  EXPECT_FALSE(at_limit.ec) << at_limit.ec.message();
  EXPECT_EQ(at_limit.response.body.size(), 16u);
}

TEST(ResponseParser, ABrokenHeaderIsAnError) {
  for (const std::string wire : {"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                                 "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    EXPECT_TRUE(Parse(wire, 1 << 20).ec) << wire;
  }
}

}  // namespace
}  // namespace tgate::http
