// WriteProbe on a FakeClock: one store write per cache period however often
// /readyz is asked, its error passed on, and a write that hangs read as not
// writable within the timeout without a second probe piling up behind it.
#include "api/write_probe.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/fake_clock.h"
#include "core/fake_clock_test_util.h"

namespace tgate::api {
namespace {

using namespace std::chrono_literals;

class WriteProbeTest : public ::testing::Test {
 protected:
  // The store's write: takes `delay` of fake time, then answers `answer`.
  Awaitable<Status> Write() {
    ++writes_;
    const auto delay = delay_;
    const Status answer = answer_;
    if (delay > 0ms) co_await clock_.SleepFor(delay);
    co_return answer;
  }
  // Runs one Check to its end on fake time; returns its answer and how long it took.
  std::pair<Status, std::chrono::milliseconds> Check() {
    std::optional<Status> got;
    const SteadyTime start = clock_.Now();
    asio::co_spawn(io_, probe_.Check(), [&](std::exception_ptr, Status s) { got = std::move(s); });
    EXPECT_TRUE(testing::RunUntil(
        io_, clock_, [&] { return got.has_value(); }, 30s));
    return {got.value_or(Status::Internal("no answer")),
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start)};
  }

  FakeClock clock_;
  asio::io_context io_;
  int writes_ = 0;
  std::chrono::milliseconds delay_{0};
  Status answer_;
  WriteProbe probe_{
      io_.get_executor(), clock_, [this] { return Write(); }, {.cache = 2000ms, .timeout = 1000ms}};
};

TEST_F(WriteProbeTest, WritesAtMostOncePerCachePeriod) {
  EXPECT_TRUE(Check().first.ok());
  clock_.Advance(500ms);
  EXPECT_TRUE(Check().first.ok());
  EXPECT_TRUE(Check().first.ok());
  EXPECT_EQ(writes_, 1);
  clock_.Advance(2000ms);
  EXPECT_TRUE(Check().first.ok());
  EXPECT_EQ(writes_, 2);
}

TEST_F(WriteProbeTest, PassesTheStoresErrorOnAndSeesItRecover) {
  answer_ = Status::Unavailable("sqlite step: database or disk is full");
  auto [s, took] = Check();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("disk is full"), std::string::npos) << s.message();
  answer_ = Status::Ok();
  EXPECT_FALSE(Check().first.ok()) << "cached for the period";
  clock_.Advance(2000ms);
  EXPECT_TRUE(Check().first.ok());
}

TEST_F(WriteProbeTest, AWriteThatHangsIsNotWritableWithinTheTimeoutAndIsNotRepeated) {
  delay_ = 5000ms;  // a database that does not answer for 5 s
  auto [first, took] = Check();
  EXPECT_TRUE(first.IsUnavailable()) << first.message();
  EXPECT_EQ(took, 1000ms);
  auto [second, took2] = Check();  // the same probe is still under way
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.message().find("2000 ms"), std::string::npos) << second.message();
  EXPECT_EQ(writes_, 1) << "no second write piles up behind a hung one";
  clock_.Advance(3000ms);  // it answers at 5 s
  testing::RunReady(io_);
  delay_ = 0ms;
  EXPECT_TRUE(Check().first.ok()) << "its answer, fresh";
  EXPECT_EQ(writes_, 1);
}

}  // namespace
}  // namespace tgate::api
