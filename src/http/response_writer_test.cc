#include "http/response_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace tgate::http {
namespace {

// What Beast's own serializer writes for `res`: the bytes ResponseBytes must match.
std::string BeastBytes(Response res) {
  std::string wire;
  bhttp::response_serializer<bhttp::string_body> serializer(res);
  boost::system::error_code ec;
  while (!ec && !serializer.is_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (const auto b : beast::buffers_range_ref(buffers)) {
        wire.append(static_cast<const char*>(b.data()), b.size());
      }
      serializer.consume(beast::buffer_bytes(buffers));
    });
  }
  EXPECT_FALSE(ec) << ec.message();
  return wire;
}

std::string Bytes(Response res) {
  boost::system::error_code ec;
  std::string wire = ResponseBytes(res, ec);
  EXPECT_FALSE(ec) << ec.message();
  return wire;
}

Request Get(unsigned version = 11) {
  Request req{bhttp::verb::get, "/v1/messages/1", version};
  return req;
}

TEST(ResponseBytes, AJsonAnswerIsItsStatusLineFieldsAndBody) {
  Response res = JsonResponse(Get(), 202, R"({"id":7,"status":"queued"})");
  const std::string wire = Bytes(res);
  EXPECT_EQ(wire,
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n"
            R"({"id":7,"status":"queued"})");
  EXPECT_EQ(wire, BeastBytes(res));
}

TEST(ResponseBytes, MatchesBeastForEveryKindOfHead) {
  std::vector<Response> cases;
  cases.push_back(JsonResponse(Get(), 404, R"({"error":"not_found"})"));
  cases.push_back(JsonResponse(Get(10), 200, "{}"));  // HTTP/1.0: the version follows the request
  Response closing = JsonResponse(Get(), 503, "{}");
  closing.keep_alive(false);  // "Connection: close"
  cases.push_back(closing);
  Response reasoned = TextResponse(Get(), 200, "ok");
  reasoned.reason("Fine Indeed");  // a reason of its own, not the standard one
  cases.push_back(reasoned);
  Response many = TextResponse(Get(), 405, "");
  many.set(bhttp::field::allow, "GET");
  many.insert("X-Repeated", "one");
  many.insert("X-Repeated", "two");  // a field twice keeps both, in order
  many.insert("X-Empty", "");
  many.set(bhttp::field::retry_after, "30");
  cases.push_back(many);
  Response empty{bhttp::status::no_content, 11};
  cases.push_back(empty);  // no fields, no body
  Response odd{static_cast<bhttp::status>(299), 11};
  odd.body() = "x";
  odd.prepare_payload();
  cases.push_back(odd);  // a code Beast has no reason for
  for (const Response& res : cases) {
    EXPECT_EQ(Bytes(res), BeastBytes(res)) << res.result_int();
  }
}

TEST(ResponseBytes, AChunkedBodyIsLeftToBeastsSerializer) {
  Response res{bhttp::status::ok, 11};
  res.body() = "hello";
  res.chunked(true);
  const std::string wire = Bytes(res);
  EXPECT_NE(wire.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(wire.find("5\r\nhello\r\n"), std::string::npos);
  EXPECT_EQ(wire, BeastBytes(res));
}

}  // namespace
}  // namespace tgate::http
