#include "http/response_writer.h"

#include <string>
#include <tuple>

namespace tgate::http {

Awaitable<boost::system::error_code> WriteResponse(asio::ip::tcp::socket& socket, Response& res) {
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
  if (ec) co_return ec;
  std::tie(ec, std::ignore) = co_await asio::async_write(socket, asio::buffer(wire), kAsTuple);
  co_return ec;
}

}  // namespace tgate::http
