#include "api/idempotency.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "http/error_response.h"

namespace tgate::api {

namespace json = boost::json;

namespace {

constexpr size_t kMaxIdempotencyKey = 255;

// `v` with every object's members in name order, at every depth.
json::value Canonical(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    out.reserve(v.as_array().size());
    for (const json::value& e : v.as_array()) out.push_back(Canonical(e));
    return out;
  }
  if (!v.is_object()) return v;
  std::vector<const json::key_value_pair*> members;
  for (const json::key_value_pair& kv : v.as_object()) members.push_back(&kv);
  std::sort(members.begin(), members.end(),
            [](const json::key_value_pair* a, const json::key_value_pair* b) { return a->key() < b->key(); });
  json::object out;
  out.reserve(members.size());
  for (const json::key_value_pair* kv : members) out.emplace(kv->key(), Canonical(kv->value()));
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
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
  json::object top;
  for (const json::key_value_pair& kv : body) {
    if (kv.key() == "bot" || kv.value().is_null()) continue;
    top.emplace(kv.key(), kv.value());
  }
  return Sha256Hex(json::serialize(Canonical(top)));
}

http::Response IdempotencyErrorResponse(const http::Request& req, const Status& status) {
  if (status.code() != Code::kUnprocessable) return http::ErrorResponse(req, status);
  json::object err{{"code", "idempotency_key_reused"}, {"message", status.message()}};
  return http::JsonResponse(req, 422, json::serialize(json::object{{"error", std::move(err)}}));
}

}  // namespace tgate::api
