#include "status/basic_auth.h"

#include <gtest/gtest.h>

namespace tgate::status {
namespace {

TEST(DecodeBase64, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(DecodeBase64("YWRtaW46a2V5"), "admin:key");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64("YWI="), "ab");
  EXPECT_EQ(DecodeBase64(""), "");
}

TEST(DecodeBase64, RefusesMalformedInput) {
  EXPECT_FALSE(DecodeBase64("YWR"));       // not a multiple of 4
  EXPECT_FALSE(DecodeBase64("YW!t"));      // not in the alphabet
  EXPECT_FALSE(DecodeBase64("Y==a"));      // data after padding
  EXPECT_FALSE(DecodeBase64("YQ==YQ=="));  // padding in the middle
  EXPECT_FALSE(DecodeBase64("=AAA"));      // padding first
}

TEST(BasicAuth, AcceptsAnyUserWithTheRightPassword) {
  EXPECT_TRUE(BasicAuthMatches("Basic YWRtaW46a2V5", "key"));  // admin:key
  EXPECT_TRUE(BasicAuthMatches("basic Ym9iOmtleQ==", "key"));  // bob:key, scheme case-insensitive
  EXPECT_TRUE(BasicAuthMatches("Basic OmtleQ==", "key"));      // empty user name
  EXPECT_TRUE(BasicAuthMatches("Basic dTprOmV5", "k:ey"));     // u:k:ey, the password holds a colon
}

TEST(BasicAuth, RefusesWrongPassword) {
  EXPECT_FALSE(BasicAuthMatches("Basic YWRtaW46a2V5", "other"));
  EXPECT_FALSE(BasicAuthMatches("Basic YWRtaW46a2V5", "ke"));       // a prefix
  EXPECT_FALSE(BasicAuthMatches("Basic YWRtaW46a2V5eA==", "key"));  // key + x
}

TEST(BasicAuth, RefusesNoHeaderOtherSchemesAndBadBase64) {
  EXPECT_FALSE(BasicAuthMatches("", "key"));
  EXPECT_FALSE(BasicAuthMatches("Basic ", "key"));
  EXPECT_FALSE(BasicAuthMatches("Bearer key", "key"));
  EXPECT_FALSE(BasicAuthMatches("Basic a2V5", "key"));           // "key": no colon
  EXPECT_FALSE(BasicAuthMatches("Basic YWRtaW46a2V5!", "key"));  // bad base64
  EXPECT_FALSE(BasicAuthMatches("Basic %%%%", "key"));
}

}  // namespace
}  // namespace tgate::status
