// WriteResponse: puts a Response on a connection as one buffer. A response
// is small, and one plain write of its bytes costs less than Beast's
// serializing write, which walks a buffer sequence of every field through
// several layers of composed operations (22 % of a transport thread's time).
// Even serialized into a string first, that walk was 3.4 % of the io
// thread's time under POST /v1/messages: the bytes are written here instead,
// from the fields Beast keeps (ResponseBytes), and Beast's serializer is kept
// for a chunked body only.
// Not the response's content (handlers, error_response.h) nor timeouts (the
// caller's: connection_deadline.h).
#pragma once

#include <string>

#include "http/asio.h"
#include "http/message.h"

namespace tgate::http {

// The response as it goes on the wire: its status line, its fields in their
// order, a blank line and the body; byte for byte what Beast's serializer
// writes for it (response_writer_test.cc holds them to it), chunked bodies
// included (those are left to the serializer, whose error lands in `ec`).
std::string ResponseBytes(Response& res, boost::system::error_code& ec);

// The write's error, or a serializer's.
Awaitable<boost::system::error_code> WriteResponse(asio::ip::tcp::socket& socket, Response& res);

}  // namespace tgate::http
