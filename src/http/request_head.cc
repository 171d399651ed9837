#include "http/request_head.h"

#include <algorithm>

namespace tgate::http {
namespace {

bool SafeValue(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool SafeName(std::string_view n) {
  return !n.empty() &&
         std::none_of(n.begin(), n.end(), [](unsigned char c) { return c <= 0x20 || c == ':' || c == 0x7f; });
}

bool MethodSendsLength(bhttp::verb m) {
  return m == bhttp::verb::post || m == bhttp::verb::put || m == bhttp::verb::patch;
}

}  // namespace

Result<std::string> RequestHead(const RequestHeadFields& f) {
  if (!SafeValue(f.host) || !SafeValue(f.content_type)) {
    return Status::InvalidArgument("request header value contains a line break");
  }
  std::string out;
  out.reserve(96 + f.target.size() + f.host.size() + f.content_type.size());
  out += bhttp::to_string(f.method);
  out += ' ';
  out += f.target;
  out += " HTTP/1.1\r\nHost: ";
  out += f.host;
  out += "\r\n";
  if (!f.content_type.empty()) {
    out += "Content-Type: ";
    out += f.content_type;
    out += "\r\n";
  }
  if (f.content_length > 0 || MethodSendsLength(f.method)) {
    out += "Content-Length: ";
    out += std::to_string(f.content_length);
    out += "\r\n";
  }
  if (f.headers != nullptr) {
    for (const auto& [name, value] : *f.headers) {
      if (value.empty()) continue;
      if (!SafeName(name) || !SafeValue(value)) {
        return Status::InvalidArgument("request header '" + (SafeName(name) ? name : std::string("?")) +
                                       "' is malformed");
      }
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    }
  }
  out += "\r\n";
  return out;
}

}  // namespace tgate::http
