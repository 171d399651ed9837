#include "api/idempotency.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/random.h"

namespace tgate::api {
namespace {

namespace json = boost::json;

std::string Fingerprint(std::string_view body) { return RequestFingerprint(json::parse(body).as_object()); }

TEST(RequestFingerprint, IsTheSha256OfTheCanonicalBody) {
  // echo -n '{"text":"hi","user":"42"}' | sha256sum
  EXPECT_EQ(Fingerprint(R"({"user":"42","text":"hi"})"),
            "f59067904d16474a27c798353e7dc1fc7b156f1daea4aa26eb799bd48f1d3b82");
}

// The canonical form as first defined: a copy of the body with its members
// sorted at every depth, serialized by Boost.JSON. Fingerprints stored by
// earlier versions were made this way; a retry after an upgrade must match.
json::value SortedCopy(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (const json::value& e : v.as_array()) out.push_back(SortedCopy(e));
    return out;
  }
  if (!v.is_object()) return v;
  std::vector<const json::key_value_pair*> members;
  for (const json::key_value_pair& kv : v.as_object()) members.push_back(&kv);
  std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  json::object out;
  for (const json::key_value_pair* kv : members) out.emplace(kv->key(), SortedCopy(kv->value()));
  return out;
}

std::string FirstDefinition(std::string_view body) {
  const json::value parsed = json::parse(body);
  json::object top;
  for (const json::key_value_pair& kv : parsed.as_object()) {
    if (kv.key() == "bot" || kv.value().is_null()) continue;
    top.emplace(kv.key(), kv.value());
  }
  return Sha256Hex(json::serialize(SortedCopy(top)));
}

TEST(RequestFingerprint, IsWhatTheFirstDefinitionWas) {
  for (
      std::string_view body : {
          R"({})",
          R"({"bot":"default","user":null})",
          R"({"user":"42","text":"hi"})",
          R"({"text":"caf\u00e9 \"quoted\" \\ \n\t\u0001 \ud83d\ude00","chat_id":-1001234567890})",
          R"({"z":1.5,"a":-0.0,"m":1e300,"n":-9223372036854775808,"u":18446744073709551615,"b":true})",
          R"({"reply_markup":{"inline_keyboard":[[{"text":"A","url":"https://x"},{"callback_data":"b","text":"B"}]]},)"
          R"("entities":[{"type":"bold","offset":0,"length":2}],"text":"hi","k":[null,[],{},[[]]]})",
          R"({"nested":{"null":null,"b":{"d":4,"c":3},"a":[3,2,1]},"ttl_seconds":60})",
      }) {
    EXPECT_EQ(Fingerprint(body), FirstDefinition(body)) << body;
  }
  // Values and names longer than the serializer's chunk, escapes among them.
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "ab\\\"\\u00e9\\n";
  const std::string body = R"({")" + std::string(300, 'k') + R"(":1,"text":")" + long_text + R"("})";
  EXPECT_EQ(Fingerprint(body), FirstDefinition(body));
}

TEST(RequestFingerprint, IgnoresHowTheSameRequestIsWritten) {
  const std::string fp =
      Fingerprint(R"({"user":"42","text":"hi","reply_markup":{"b":1,"a":[{"y":2,"x":1}]}})");
  EXPECT_EQ(fp, Fingerprint(R"({"reply_markup":{"a":[{"x":1,"y":2}],"b":1},"text":"hi","user":"42"})"));
  EXPECT_EQ(fp, Fingerprint("{ \"user\" : \"4\\u0032\",\n\t\"text\":\"hi\", "
                            "\"reply_markup\":{\"b\":1,\"a\":[{\"x\":1,\"y\":2}]} }"));
  // Null is absent to the API; the bot is the key's scope already.
  EXPECT_EQ(fp, Fingerprint(R"({"user":"42","text":"hi","reply_markup":{"b":1,"a":[{"y":2,"x":1}]},)"
                            R"("parse_mode":null,"bot":"default"})"));
  EXPECT_EQ(fp.size(), 64u);
}

TEST(RequestFingerprint, ChangesWithAnyValue) {
  const std::string fp =
      Fingerprint(R"({"user":"42","text":"hi","link_preview_options":{"is_disabled":true}})");
  EXPECT_NE(fp, Fingerprint(R"({"user":"42","text":"hi!","link_preview_options":{"is_disabled":true}})"));
  EXPECT_NE(fp, Fingerprint(R"({"user":"43","text":"hi","link_preview_options":{"is_disabled":true}})"));
  EXPECT_NE(fp, Fingerprint(R"({"user":"42","text":"hi","link_preview_options":{"is_disabled":false}})"));
  EXPECT_NE(fp, Fingerprint(R"({"user":"42","text":"hi"})"));
  EXPECT_NE(fp, Fingerprint(R"({"user":"42","text":"hi","link_preview_options":{"is_disabled":true},)"
                            R"("ttl_seconds":300})"));
  // Array order is meaning (a broadcast's users, a keyboard's buttons).
  EXPECT_NE(Fingerprint(R"({"users":["a","b"],"text":"x"})"),
            Fingerprint(R"({"users":["b","a"],"text":"x"})"));
  // A nested null is sent on to Telegram as given: it counts.
  EXPECT_NE(Fingerprint(R"({"text":"x","reply_markup":{"k":null}})"),
            Fingerprint(R"({"text":"x","reply_markup":{}})"));
}

}  // namespace
}  // namespace tgate::api
