#include "cluster/lease_options.h"

#include <gtest/gtest.h>

namespace tgate::cluster {
namespace {

using std::chrono::milliseconds;

LeaseOptions Good() {
  LeaseOptions o;
  o.instance_id = "host-1-abcdefgh";
  o.bots = {"a", "b"};
  return o;
}

TEST(LeaseOptions, DefaultsAreValid) { EXPECT_TRUE(ValidateLeaseOptions(Good()).ok()); }

TEST(LeaseOptions, RefusesWhatCouldNotWork) {
  auto refused = [](auto change) {
    LeaseOptions o = Good();
    change(o);
    Status s = ValidateLeaseOptions(o);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
    return s.message();
  };
  refused([](LeaseOptions& o) { o.instance_id.clear(); });
  EXPECT_NE(refused([](LeaseOptions& o) { o.bots = {"a", "a"}; }).find("'a'"), std::string::npos);
  refused([](LeaseOptions& o) { o.bots = {""}; });
  refused([](LeaseOptions& o) { o.beat = milliseconds(0); });
  refused([](LeaseOptions& o) { o.margin = milliseconds(0); });
  // 4000 - 2500 < 2 * 1000: one failed beat would cost the bots.
  EXPECT_NE(refused([](LeaseOptions& o) { o.margin = milliseconds(2500); }).find("two beats"),
            std::string::npos);
  refused([](LeaseOptions& o) { o.forget_after = milliseconds(1000); });
}

}  // namespace
}  // namespace tgate::cluster
