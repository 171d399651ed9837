#include "http/response_writer.h"

#include <string>
#include <string_view>
#include <tuple>

namespace tgate::http {
namespace {

// What Beast's serializer does, for any body: walk its buffer sequence.
std::string SerializedByBeast(Response& res, boost::system::error_code& ec) {
  std::string wire;
  bhttp::response_serializer<bhttp::string_body> serializer(res);
  while (!ec && !serializer.is_done()) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      for (const auto b : beast::buffers_range_ref(buffers)) {
        wire.append(static_cast<const char*>(b.data()), b.size());
      }
      serializer.consume(beast::buffer_bytes(buffers));
    });
  }
  return wire;
}

}  // namespace

std::string ResponseBytes(Response& res, boost::system::error_code& ec) {
  ec = {};
  if (res.chunked()) return SerializedByBeast(res, ec);
  // Beast's start line: "HTTP/" and the version's two digits, the status's
  // three, and its reason (the one set on the response, else the standard one).
  const unsigned version = res.version();
  const unsigned code = res.result_int();
  char start[] = "HTTP/1.1 200 ";
  start[5] = static_cast<char>('0' + version / 10 % 10);
  start[7] = static_cast<char>('0' + version % 10);
  start[9] = static_cast<char>('0' + code / 100 % 10);
  start[10] = static_cast<char>('0' + code / 10 % 10);
  start[11] = static_cast<char>('0' + code % 10);
  const std::string_view head(start, sizeof(start) - 1);
  const std::string_view reason = res.reason();
  size_t size = head.size() + reason.size() + 4 + res.body().size();
  for (const auto& field : res) size += field.name_string().size() + field.value().size() + 4;
  std::string wire;
  wire.reserve(size);
  wire.append(head).append(reason).append("\r\n");
  for (const auto& field : res) {
    wire.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  wire.append("\r\n").append(res.body());
  return wire;
}

Awaitable<boost::system::error_code> WriteResponse(asio::ip::tcp::socket& socket, Response& res) {
  boost::system::error_code ec;
  const std::string wire = ResponseBytes(res, ec);
  if (ec) co_return ec;
  std::tie(ec, std::ignore) = co_await asio::async_write(socket, asio::buffer(wire), kAsTuple);
  co_return ec;
}

}  // namespace tgate::http
