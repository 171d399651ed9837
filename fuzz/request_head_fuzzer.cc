// Fuzzes RequestHead (http/request_head.h), which writes the request line and
// headers of every outgoing request (Bot API calls, event POSTs) from values
// that come partly from configuration and stored data (hosts, content types,
// signature headers). Invariants: it refuses exactly the values that could
// break a line (CR, LF, NUL; bad names); what it writes, read back by Beast's
// strict parser, is one complete head whose method, target and headers are
// exactly the ones given — no header can smuggle another.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/beast/http.hpp>

#include "fuzz/fuzz_check.h"
#include "http/request_head.h"

namespace {

namespace bhttp = boost::beast::http;

bool SafeValue(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}
bool SafeName(std::string_view n) {
  if (n.empty()) return false;
  for (unsigned char c : n) {
    if (c <= 0x20 || c == ':' || c == 0x7f) return false;
  }
  return true;
}
// What the caller guarantees for the target (request_head.h).
bool ValidTarget(std::string_view t) {
  if (t.empty() || t[0] != '/') return false;
  for (unsigned char c : t) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}
bool HasControl(std::string_view v) {
  for (unsigned char c : v) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}
// RFC 9110 tchar.
bool IsToken(std::string_view n) {
  for (unsigned char c : n) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}
// HTTP's optional whitespace, which a parser drops around a field value.
std::string_view TrimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static constexpr bhttp::verb kVerbs[] = {bhttp::verb::get,   bhttp::verb::post,    bhttp::verb::put,
                                           bhttp::verb::patch, bhttp::verb::delete_, bhttp::verb::head};
  tgate::http::RequestHeadFields f;
  f.method = kVerbs[in.ConsumeIntegralInRange<size_t>(0, std::size(kVerbs) - 1)];
  std::string target = in.ConsumeRandomLengthString(256);
  std::string host = in.ConsumeRandomLengthString(64);
  std::string content_type = in.ConsumeBool() ? in.ConsumeRandomLengthString(64) : std::string();
  f.content_length = in.ConsumeIntegralInRange<size_t>(0, 1 << 20);
  std::vector<std::pair<std::string, std::string>> headers;
  size_t n_headers = in.ConsumeIntegralInRange<size_t>(0, 4);
  for (size_t i = 0; i < n_headers; ++i) {
    std::string name = in.ConsumeRandomLengthString(32);
    headers.emplace_back(std::move(name), in.ConsumeRandomLengthString(64));
  }
  if (!ValidTarget(target)) return 0;
  f.target = target;
  f.host = host;
  f.content_type = content_type;
  f.headers = &headers;

  bool safe = SafeValue(host) && SafeValue(content_type);
  size_t expected_fields = 1 + (content_type.empty() ? 0 : 1);
  const bool sends_length = f.content_length > 0 || f.method == bhttp::verb::post ||
                            f.method == bhttp::verb::put || f.method == bhttp::verb::patch;
  if (sends_length) ++expected_fields;
  for (const auto& [name, value] : headers) {
    if (value.empty()) continue;
    safe = safe && SafeName(name) && SafeValue(value);
    ++expected_fields;
  }

  auto head = tgate::http::RequestHead(f);
  FUZZ_CHECK(head.ok() == safe);
  if (!head.ok()) {
    FUZZ_CHECK(head.status().code() == tgate::Code::kInvalidArgument);
    return 0;
  }

  bhttp::request_parser<bhttp::empty_body> parser;
  parser.skip(true);  // the head only: the body would follow as a second buffer
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(*head), ec);
  if (ec) {
    // Beast is stricter than the line-break rule: it also refuses other
    // control bytes in values and non-token bytes in names. Such a head is
    // refused by the server, not misread; any other failure is a bug.
    bool ctl_value = HasControl(host) || HasControl(content_type);
    bool odd_name = false;
    for (const auto& [name, value] : headers) {
      if (value.empty()) continue;
      ctl_value |= HasControl(value);
      odd_name |= !IsToken(name);
    }
    FUZZ_CHECK((ec == bhttp::error::bad_value && ctl_value) || (ec == bhttp::error::bad_field && odd_name));
    return 0;
  }
  FUZZ_CHECK(parser.is_header_done());
  FUZZ_CHECK(used == head->size());
  const auto& req = parser.get();
  FUZZ_CHECK(req.method() == f.method);
  FUZZ_CHECK(req.target() == target);
  size_t fields = 0;
  for (auto it = req.begin(); it != req.end(); ++it) ++fields;
  FUZZ_CHECK(fields == expected_fields);
  FUZZ_CHECK(req[bhttp::field::host] == TrimOws(host));
  if (!content_type.empty()) FUZZ_CHECK(req[bhttp::field::content_type] == TrimOws(content_type));
  for (const auto& [name, value] : headers) {
    if (value.empty()) continue;
    bool found = false;
    for (auto it = req.find(name); it != req.end() && boost::beast::iequals(it->name_string(), name); ++it) {
      found |= it->value() == TrimOws(value);
    }
    FUZZ_CHECK(found);
  }
  return 0;
}
