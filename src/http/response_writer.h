// WriteResponse: puts a Response on a connection as one buffer. A response
// is small, and one plain write of its bytes costs less than Beast's
// serializing write, which walks a buffer sequence of every field through
// several layers of composed operations (22 % of a transport thread's time).
// Not the response's content (handlers, error_response.h) nor timeouts (the
// caller's: connection_deadline.h).
#pragma once

#include "http/asio.h"
#include "http/message.h"

namespace tgate::http {

// The write's error, or a serializer's.
Awaitable<boost::system::error_code> WriteResponse(asio::ip::tcp::socket& socket, Response& res);

}  // namespace tgate::http
