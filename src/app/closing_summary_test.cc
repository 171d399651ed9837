#include "app/closing_summary.h"

#include <gtest/gtest.h>

namespace tgate::app {
namespace {

TEST(ClosingSummary, SaysWhatWasSentAndWhatStaysQueued) {
  dispatch::DispatcherStats s;
  s.sent = 12;
  s.failed = 2;
  s.expired = 1;
  s.retried = 3;
  s.rate_limited = 4;
  EXPECT_EQ(ClosingSummary("shop", s, 5),
            "bot shop: stopped after sending 12 message(s), 2 failed (1 expired), 3 retried, 4 429s; "
            "5 stay queued and are sent at the next start");
  EXPECT_NE(ClosingSummary("shop", {}, 0).find("nothing stays queued"), std::string::npos);
  EXPECT_NE(ClosingSummary("shop", {}, -1).find("could not be counted"), std::string::npos);
}

}  // namespace
}  // namespace tgate::app
