#include "dispatch/retry_policy.h"

#include <gtest/gtest.h>

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;
using telegram::Classify;

TEST(RetryPolicy, OkIsSent) {
  EXPECT_EQ(Decide(Classify(200, R"({"ok":true,"result":{"message_id":1}})"), 0, {}, 0).verdict,
            Verdict::kSent);
}

TEST(RetryPolicy, TooManyRequestsWaitsRetryAfter) {
  auto d = Decide(
      Classify(
          429,
          R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})"),
      0, {}, 0);
  EXPECT_EQ(d.verdict, Verdict::kWaitRetryAfter);
  EXPECT_GE(d.delay, 7s);
  EXPECT_LT(d.delay, 8s);
}

TEST(RetryPolicy, ServerErrorsBackOffThenGiveUp) {
  RetryOptions o;
  o.max_attempts = 3;
  auto r = Classify(502, "<html>Bad Gateway</html>");
  auto d1 = Decide(r, 1, o, 0.5);
  auto d2 = Decide(r, 2, o, 0.5);
  EXPECT_EQ(d1.verdict, Verdict::kRetryLater);
  EXPECT_EQ(d1.delay, 1000ms);
  EXPECT_EQ(d2.delay, 2000ms);
  auto d3 = Decide(r, 3, o, 0.5);
  EXPECT_EQ(d3.verdict, Verdict::kFailed);
  EXPECT_NE(d3.error.find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(Decide(telegram::NetworkFailure("reset"), 1, o, 0).verdict, Verdict::kRetryLater);
}

TEST(RetryPolicy, BackoffIsCapped) {
  RetryOptions o;
  o.max_attempts = 100;
  auto d = Decide(Classify(500, R"({"ok":false,"error_code":500,"description":"Internal Server Error"})"), 40,
                  o, 0.99);
  EXPECT_LE(d.delay, o.max_backoff * 5 / 4);
}

TEST(RetryPolicy, PermanentAnswers) {
  EXPECT_EQ(
      Decide(
          Classify(403,
                   R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})"),
          0, {}, 0)
          .verdict,
      Verdict::kBlocked);
  EXPECT_EQ(
      Decide(Classify(403, R"({"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"})"),
             0, {}, 0)
          .verdict,
      Verdict::kBlocked);
  auto nf =
      Decide(Classify(400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})"), 0,
             {}, 0);
  EXPECT_EQ(nf.verdict, Verdict::kFailed);
  EXPECT_EQ(nf.error, "Bad Request: chat not found");
  EXPECT_EQ(
      Decide(
          Classify(
              400,
              R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009}})"),
          0, {}, 0)
          .verdict,
      Verdict::kMigrate);
  EXPECT_EQ(Decide(Classify(401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})"), 0, {}, 0)
                .verdict,
            Verdict::kPauseBot);
}

}  // namespace
}  // namespace tgate::dispatch
