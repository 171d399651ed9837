// HttpCall: a blocking HTTP/1.1 request for integration tests (one connection
// per call, a 10 s deadline), with the answer parsed as JSON when it is JSON.
// Test-only: production code uses http::Client.
// TgateCall is HttpCall to a tgate: with TGATE_API_EXCHANGES_DIR set (CTest
// sets it, tests/integration/CMakeLists.txt), each exchange is appended as a
// JSON line to <dir>/exchanges-<pid>.jsonl, and api/check_openapi.py validates
// every one against the OpenAPI document after the integration tests ran.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace tgate::itest {

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection failed)
  std::string body;
  boost::json::value json;  // null unless the body is JSON
  std::string error;        // transport error, if any
  std::string content_type;

  const boost::json::object& obj() const;
  std::string Str(const char* key) const;
  int64_t Int(const char* key) const;
};

HttpAnswer HttpCall(uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body = "", const std::map<std::string, std::string>& headers = {});

// HttpCall to tgate's listener, recorded for the OpenAPI check (see above).
HttpAnswer TgateCall(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = "", const std::map<std::string, std::string>& headers = {});

}  // namespace tgate::itest
