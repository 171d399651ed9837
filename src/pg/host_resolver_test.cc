#include "pg/host_resolver.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "core/testing.h"
#include "pg/pg_test_util.h"

namespace tgate::pg {
namespace {

class ResolveHostsTest : public ::testing::Test {
 protected:
  Result<std::optional<HostOverride>> Resolve(std::string_view host, std::string_view hostaddr,
                                              std::string_view port) {
    return RunAwait(io_, ResolveHosts(resolver_, host, hostaddr, port));
  }
  asio::io_context io_;
  asio::ip::tcp::resolver resolver_{io_};
};

TEST_F(ResolveHostsTest, NothingToDoWithoutAHostOrWithHostaddr) {
  auto none = Resolve("", "", "");
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto given = Resolve("db.example", "10.0.0.1", "5432");
  ASSERT_OK(given);
  EXPECT_FALSE(given->has_value());
  auto mismatched = Resolve("a,b,c", "", "1,2");
  ASSERT_OK(mismatched);
  EXPECT_FALSE(mismatched->has_value());
}

TEST_F(ResolveHostsTest, SocketsAndNumbersNeedNoLookup) {
  auto r = Resolve("/run/postgresql,127.0.0.1,::1", "", "5433");
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->host, "/run/postgresql,127.0.0.1,::1");
  EXPECT_EQ((*r)->hostaddr, ",127.0.0.1,::1");
  EXPECT_EQ((*r)->port, "5433,5433,5433");
}

TEST_F(ResolveHostsTest, NamesBecomeOneEntryPerAddress) {
  auto r = Resolve("localhost,127.0.0.1", "", "1,2");
  ASSERT_OK(r);
  ASSERT_TRUE(r->has_value());
  // localhost has 127.0.0.1 and maybe ::1: each its own entry, port repeated.
  const HostOverride& o = **r;
  EXPECT_TRUE(o.host.starts_with("localhost,")) << o.host;
  EXPECT_TRUE(o.host.ends_with(",127.0.0.1")) << o.host;
  EXPECT_NE(o.hostaddr.find("127.0.0.1,127.0.0.1"), std::string::npos) << o.hostaddr;
  EXPECT_TRUE(o.port.starts_with("1,")) << o.port;
  EXPECT_TRUE(o.port.ends_with(",2")) << o.port;
  EXPECT_EQ(std::count(o.host.begin(), o.host.end(), ','), std::count(o.port.begin(), o.port.end(), ','));
}

TEST_F(ResolveHostsTest, AnUnknownNameIsUnavailable) {
  auto r = Resolve("no-such-host.invalid", "", "5432");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach PostgreSQL at no-such-host.invalid:5432: cannot resolve"),
            std::string::npos)
      << r.status().message();
  // One unknown name among good ones is skipped.
  auto some = Resolve("no-such-host.invalid,127.0.0.1", "", "");
  ASSERT_OK(some);
  EXPECT_EQ((*some)->hostaddr, "127.0.0.1");
}

}  // namespace
}  // namespace tgate::pg
