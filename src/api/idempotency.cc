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

void AppendCanonical(const json::value& v, std::string& out);

// Appends `o` with its members in name order (at the top level without
// "bot" and null members), serialized compactly.
void AppendMembers(const json::object& o, bool top, std::string& out) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
  for (const json::key_value_pair& kv : o) {
    if (top && (kv.key() == "bot" || kv.value().is_null())) continue;
    members.push_back(&kv);
  }
  std::sort(members.begin(), members.end(),
            [](const json::key_value_pair* a, const json::key_value_pair* b) { return a->key() < b->key(); });
  out.push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += json::serialize(members[i]->key());
    out.push_back(':');
    AppendCanonical(members[i]->value(), out);
  }
  out.push_back('}');
}

// Appends `v` with every object's members in name order, at every depth,
// serialized compactly: the bytes json::serialize writes for such a value,
// without building it.
void AppendCanonical(const json::value& v, std::string& out) {
  if (v.is_object()) return AppendMembers(v.get_object(), false, out);
  if (!v.is_array()) {
    out += json::serialize(v);
    return;
  }
  out.push_back('[');
  bool first = true;
  for (const json::value& e : v.get_array()) {
    if (!first) out.push_back(',');
    first = false;
    AppendCanonical(e, out);
  }
  out.push_back(']');
}

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
  AppendMembers(body, true, canonical);
  return Sha256Hex(canonical);
}

http::Response IdempotencyErrorResponse(const http::Request& req, const Status& status) {
  if (status.code() != Code::kUnprocessable) return http::ErrorResponse(req, status);
  json::object err{{"code", "idempotency_key_reused"}, {"message", status.message()}};
  return http::JsonResponse(req, 422, json::serialize(json::object{{"error", std::move(err)}}));
}

}  // namespace tgate::api
