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

class ResponseParserTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ResponseParserTest, KeepsStatusTypeRetryAfterAndBodyOfALengthFramedAnswer) {
  ResponseParser parser(1 << 20);
  parser.eager(true);
  const std::string wire =
      "HTTP/1.1 429 Too Many Requests\r\n"
      "Server: nginx\r\n"
      "Content-Type: application/json\r\n"
      "Retry-After: 7\r\n"
      "X-Long: " +
      std::string(300, 'x') +
      "\r\n"
      "Content-Length: 13\r\n"
      "\r\n"
      "{\"ok\":false}\n";
  ASSERT_FALSE(Feed(parser, wire, GetParam()));
  ASSERT_TRUE(parser.is_done());
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_FALSE(parser.need_eof());
  ClientResponse r = parser.Take();
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.retry_after, 7);
  EXPECT_EQ(r.body, "{\"ok\":false}\n");
}

TEST_P(ResponseParserTest, ReadsAChunkedBodyWhole) {
  ResponseParser parser(1 << 20);
  parser.eager(true);
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "Transfer-Encoding: chunked\r\n"
      "content-type: text/plain\r\n"
      "\r\n"
      "5\r\nhello\r\n"
      "7;ext=1\r\n, world\r\n"
      "0\r\n\r\n";
  ASSERT_FALSE(Feed(parser, wire, GetParam()));
  EXPECT_TRUE(parser.keep_alive());
  ClientResponse r = parser.Take();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.retry_after, -1);  // none given
  EXPECT_EQ(r.body, "hello, world");
}

TEST_P(ResponseParserTest, ABodyToTheEndOfTheStreamSaysTheConnectionCannotBeKept) {
  ResponseParser parser(1 << 20);
  parser.eager(true);
  const std::string wire =
      "HTTP/1.1 502 Bad Gateway\r\n"
      "Connection: close\r\n"
      "\r\n"
      "upstream went away";
  ASSERT_FALSE(Feed(parser, wire, GetParam()));
  EXPECT_FALSE(parser.keep_alive());
  ClientResponse r = parser.Take();
  EXPECT_EQ(r.status, 502u);
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(r.body, "upstream went away");
}

INSTANTIATE_TEST_SUITE_P(WholeOrInPieces, ResponseParserTest, ::testing::Values(size_t{1 << 20}, 1, 7));

TEST(ResponseParser, TheFirstOfARepeatedHeaderCountsAndARetryAfterThatIsNoNumberIsNone) {
  ResponseParser parser(1 << 20);
  parser.eager(true);
  const std::string wire =
      "HTTP/1.1 503 Service Unavailable\r\n"
      "Content-Type: application/json\r\n"
      "Content-Type: text/html\r\n"
      "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n"
      "Retry-After: 3\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  ASSERT_FALSE(Feed(parser, wire, 1 << 20));
  ClientResponse r = parser.Take();
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.retry_after, -1);
  EXPECT_EQ(r.body, "");
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
    ResponseParser parser(16);
    parser.eager(true);
    EXPECT_EQ(Feed(parser, wire, 1 << 20), bhttp::error::body_limit) << wire;
  }
  ResponseParser at_limit(16);
  at_limit.eager(true);
  EXPECT_FALSE(Feed(at_limit, "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" + over.substr(0, 16), 1 << 20));
  EXPECT_EQ(at_limit.Take().body.size(), 16u);
}

TEST(ResponseParser, ABrokenHeaderIsAnError) {
  for (const std::string wire : {"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                                 "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    ResponseParser parser(1 << 20);
    parser.eager(true);
    boost::system::error_code ec = Feed(parser, wire, 1 << 20);
    EXPECT_TRUE(ec) << wire;
  }
}

}  // namespace
}  // namespace tgate::http
