#include "api/idempotency.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "http/error_response.h"

namespace tgate::api {

namespace json = boost::json;

namespace {

constexpr size_t kMaxIdempotencyKey = 255;

// Appends values to `out` as json::serialize writes them, through one
// serializer for the whole request rather than a serializer and a string for
// each member's name and value.
class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string& out) : out_(out) {}

  // `o` with its members in name order (at the top level without "bot" and
  // null members), and so every object within it, at every depth: the bytes
  // json::serialize writes for such a value, without building it.
  void Members(const json::object& o, bool top) {
    std::vector<const json::key_value_pair*> members;
    members.reserve(o.size());
    for (const json::key_value_pair& kv : o) {
      if (top && (kv.key() == "bot" || kv.value().is_null())) continue;
      members.push_back(&kv);
    }
    std::sort(
        members.begin(), members.end(),
        [](const json::key_value_pair* a, const json::key_value_pair* b) { return a->key() < b->key(); });
    out_.push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out_.push_back(',');
      serializer_.reset(members[i]->key());
      Drain();
      out_.push_back(':');
      Value(members[i]->value());
    }
    out_.push_back('}');
  }

 private:
  void Value(const json::value& v) {
    if (v.is_object()) return Members(v.get_object(), false);
    if (!v.is_array()) {
      serializer_.reset(&v);
      return Drain();
    }
    out_.push_back('[');
    bool first = true;
    for (const json::value& e : v.get_array()) {
      if (!first) out_.push_back(',');
      first = false;
      Value(e);
    }
    out_.push_back(']');
  }

  void Drain() {
    char chunk[256];
    while (!serializer_.done()) out_.append(serializer_.read(chunk, sizeof(chunk)));
  }

  std::string& out_;
  json::serializer serializer_;
};

}  // namespace

Result<std::string> ReadIdempotencyKey(const http::Request& req) {
  auto it = req.find("Idempotency-Key");
  if (it == req.end()) return std::string();
  std::string_view k = it->value();
  if (k.empty() || k.size() > kMaxIdempotencyKey) {
    return Status::InvalidArgument("Idempotency-Key must be 1-255 characters");
  }
  for (char c : k) {
    if (c < 0x21 || c > 0x7e) return Status::InvalidArgument("Idempotency-Key must be printable ASCII");
  }
  return std::string(k);
}

std::string RequestFingerprint(const json::object& body) {
  std::string canonical;
  canonical.reserve(256);
  CanonicalWriter(canonical).Members(body, true);
  return Sha256Hex(canonical);
}

http::Response IdempotencyErrorResponse(const http::Request& req, const Status& status) {
  if (status.code() != Code::kUnprocessable) return http::ErrorResponse(req, status);
  json::object err{{"code", "idempotency_key_reused"}, {"message", status.message()}};
  return http::JsonResponse(req, 422, json::serialize(json::object{{"error", std::move(err)}}));
}

}  // namespace tgate::api
