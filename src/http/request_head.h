// RequestHead: the request line and header block of one HTTP/1.1 client
// request, written out as text ready for the socket (the body goes after it
// as a second buffer, so it is never copied). The Client's hot path: one
// string, one writev, no serializer state. Not a parser, not a message type;
// it refuses header text that could smuggle a line break.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/asio.h"

namespace tgate::http {

struct RequestHeadFields {
  bhttp::verb method = bhttp::verb::get;
  std::string_view target;        // already validated: starts with '/', no spaces or controls
  std::string_view host;          // "host[:port]"
  std::string_view content_type;  // empty: no Content-Type
  size_t content_length = 0;
  // Extra headers; a pair with an empty value is left out.
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
};

// "POST /x HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n", or InvalidArgument when a
// header name or value holds CR, LF or NUL (or a name is empty or has a colon
// or space). Content-Length is written for every request with a body and for
// POST/PUT/PATCH without one.
Result<std::string> RequestHead(const RequestHeadFields& f);

}  // namespace tgate::http
