#include "harness/http_call.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace tgate::itest {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

const boost::json::object& HttpAnswer::obj() const {
  static const boost::json::object kEmpty;
  return json.is_object() ? json.as_object() : kEmpty;
}

std::string HttpAnswer::Str(const char* key) const {
  const boost::json::value* v = obj().if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t HttpAnswer::Int(const char* key) const {
  const boost::json::value* v = obj().if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

HttpAnswer HttpCall(uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpAnswer a;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    bhttp::read(stream, buf, parser);
    auto res = parser.release();
    a.status = res.result_int();
    a.body = res.body();
    a.content_type = std::string(res[bhttp::field::content_type]);
    boost::system::error_code ec;
    a.json = boost::json::parse(a.body, ec);
    if (ec) a.json = nullptr;
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    a.error = e.what();
  }
  return a;
}

namespace {

// One JSON line per exchange; a body that is not valid UTF-8 JSON text is
// kept as a string all the same (the checker decides what it must be).
void Record(const std::string& method, const std::string& target, const std::string& body,
            const std::map<std::string, std::string>& headers, const HttpAnswer& a) {
  const char* dir = std::getenv("TGATE_API_EXCHANGES_DIR");
  if (!dir || !*dir || a.status == 0) return;
  boost::json::object req_headers;
  for (const auto& [k, v] : headers) {
    if (k == "Authorization") continue;  // the checker needs no key, and logs keep none
    req_headers[k] = v;
  }
  boost::json::object line{{"method", method},       {"target", target},   {"request_headers", req_headers},
                           {"request_body", body},   {"status", a.status}, {"content_type", a.content_type},
                           {"response_body", a.body}};
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::ofstream out(std::string(dir) + "/exchanges-" + std::to_string(getpid()) + ".jsonl", std::ios::app);
  out << boost::json::serialize(line) << "\n";
}

}  // namespace

HttpAnswer TgateCall(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpAnswer a = HttpCall(port, method, target, body, headers);
  Record(method, target, body, headers, a);
  return a;
}

}  // namespace tgate::itest
