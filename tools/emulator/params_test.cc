#include "tools/emulator/params.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::emulator {
namespace {

http::Request MakeRequest(std::string target, std::string content_type, std::string body) {
  http::Request req{bhttp::verb::post, target, 11};
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

TEST(Params, QueryStringIsPercentDecoded) {
  auto p = ParseParams(MakeRequest("/bot1:x/sendMessage?chat_id=42&text=hi+there%21%20%F0%9F%98%80", "", ""));
  ASSERT_OK(p);
  EXPECT_EQ(p->Get("chat_id"), "42");
  EXPECT_EQ(p->Get("text"), "hi there! \xF0\x9F\x98\x80");
  EXPECT_FALSE(p->Has("parse_mode"));
}

TEST(Params, JsonKeepsNonStringsAsJsonText) {
  auto p = ParseParams(MakeRequest("/x", "application/json; charset=utf-8",
                                   R"({"chat_id":-100123,"text":"a\"b","allow_paid_broadcast":true,)"
                                   R"("reply_markup":{"inline_keyboard":[]},"skip":null})"));
  ASSERT_OK(p);
  EXPECT_EQ(p->Get("chat_id"), "-100123");
  EXPECT_EQ(p->Get("text"), "a\"b");
  EXPECT_TRUE(p->GetBool("allow_paid_broadcast"));
  EXPECT_EQ(p->Get("reply_markup"), R"({"inline_keyboard":[]})");
  EXPECT_FALSE(p->Has("skip"));
}

TEST(Params, JsonErrors) {
  EXPECT_FALSE(ParseParams(MakeRequest("/x", "application/json", "{nope")).ok());
  EXPECT_FALSE(ParseParams(MakeRequest("/x", "application/json", "[1]")).ok());
}

TEST(Params, FormUrlEncodedOverridesQuery) {
  auto p = ParseParams(MakeRequest("/x?text=old&limit=5", "application/x-www-form-urlencoded",
                                   "text=new+value&flag&offset=%2D3"));
  ASSERT_OK(p);
  EXPECT_EQ(p->Get("text"), "new value");
  EXPECT_EQ(p->Get("limit"), "5");
  EXPECT_EQ(p->Get("flag"), "");
  EXPECT_EQ(p->Get("offset"), "-3");
}

TEST(Params, MultipartWithAFile) {
  std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"url\"\r\n\r\n"
      "https://example.com/hook\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"certificate\"; filename=\"cert.pem\"\r\n"
      "Content-Type: application/x-pem-file\r\n\r\n"
      "-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n"
      "\r\n--XyZ--\r\n";
  auto p = ParseParams(MakeRequest("/x", "multipart/form-data; boundary=\"XyZ\"", body));
  ASSERT_OK(p);
  EXPECT_EQ(p->Get("url"), "https://example.com/hook");
  const ParamValue* cert = p->Find("certificate");
  ASSERT_NE(cert, nullptr);
  EXPECT_TRUE(cert->is_file);
  EXPECT_EQ(cert->filename, "cert.pem");
  EXPECT_EQ(cert->value, "-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n");
  EXPECT_FALSE(p->Find("url")->is_file);
}

TEST(Params, MultipartErrors) {
  EXPECT_FALSE(ParseParams(MakeRequest("/x", "multipart/form-data", "--a\r\n")).ok());
  EXPECT_FALSE(
      ParseParams(MakeRequest("/x", "multipart/form-data; boundary=a",
                              "--a\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated"))
          .ok());
}

TEST(Params, BoolSpellings) {
  Params p;
  p.Set("a", "True");
  p.Set("b", "1");
  p.Set("c", "false");
  EXPECT_TRUE(p.GetBool("a"));
  EXPECT_TRUE(p.GetBool("b"));
  EXPECT_FALSE(p.GetBool("c", true));
  EXPECT_TRUE(p.GetBool("missing", true));
}

}  // namespace
}  // namespace tgate::emulator
