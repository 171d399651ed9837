#include "cluster/liveness_conninfo.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::cluster {
namespace {

using std::chrono::milliseconds;

TEST(WithLivenessChecks, AddsTheSettingsToAUrl) {
  auto s = WithLivenessChecks("postgresql://u@db.example:5432/tgate", milliseconds(4000));
  ASSERT_OK(s);
  EXPECT_EQ(*s,
            "postgresql://u@db.example:5432/tgate?keepalives_idle=1&keepalives_interval=1&keepalives_count=3"
            "&tcp_user_timeout=4000");
  s = WithLivenessChecks("postgres://u@h/tgate?sslmode=require", milliseconds(12000));
  ASSERT_OK(s);
  EXPECT_EQ(*s,
            "postgres://u@h/tgate?sslmode=require&keepalives_idle=4&keepalives_interval=2&keepalives_count=3"
            "&tcp_user_timeout=12000");
}

TEST(WithLivenessChecks, AddsThemToKeyValuePairsAndKeepsTheOperatorsOwn) {
  auto s = WithLivenessChecks("host=h dbname=tgate keepalives_count=9", milliseconds(4000));
  ASSERT_OK(s);
  EXPECT_EQ(
      *s,
      "host=h dbname=tgate keepalives_count=9 keepalives_idle=1 keepalives_interval=1 tcp_user_timeout=4000");
  s = WithLivenessChecks("postgresql://h/db?tcp_user_timeout=100", milliseconds(4000));
  ASSERT_OK(s);
  EXPECT_EQ(s->find("tcp_user_timeout=4000"), std::string::npos) << *s;
}

TEST(WithLivenessChecks, ABadStringIsRefusedWithoutItsPassword) {
  auto s = WithLivenessChecks("postgresql://u:s3cret@h/db?nosuchoption=1", milliseconds(4000));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.status().message().find("s3cret"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace tgate::cluster
