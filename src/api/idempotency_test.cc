#include "api/idempotency.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tgate::api {
namespace {

namespace json = boost::json;

std::string Fingerprint(std::string_view body) { return RequestFingerprint(json::parse(body).as_object()); }

TEST(RequestFingerprint, IsTheSha256OfTheCanonicalBody) {
  // echo -n '{"text":"hi","user":"42"}' | sha256sum
  EXPECT_EQ(Fingerprint(R"({"user":"42","text":"hi"})"),
            "f59067904d16474a27c798353e7dc1fc7b156f1daea4aa26eb799bd48f1d3b82");
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
