// Test-only: what every Dispatcher test fixture holds — an io_context run on
// a FakeClock (core/fake_clock_test_util.h), an in-memory store and a
// scripted FakeBotApi on that same clock, and the options — and the helpers
// they all use to queue a message, read its status and stop a dispatcher.
// Minutes of fake time run in milliseconds, and every time a test reads
// (a call's arrival, a not_before) is exact, whatever the machine's load.
// Each fixture sets its own limits and its own way of running the dispatcher.
// Never included by production code.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/fake_clock.h"
#include "core/fake_clock_test_util.h"
#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "store/store.h"
#include "store/store_test_util.h"
#include "telegram/fake_bot_api.h"

namespace tgate::dispatch::testing {

using store::testing::Await;

class DispatcherFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({.path = ":memory:", .clock = &clock_});
    ASSERT_OK(s);
    store_ = std::move(*s);
  }

  // Queues a one-to-one message to `chat` and returns its id (0 on failure).
  int64_t Enqueue(int64_t chat, const std::string& text, const std::string& user = "") {
    auto enqueued = Await(store_->Enqueue({"default", user, chat, text, "{}", "", store::Priority::kDirect}));
    EXPECT_OK(enqueued);
    return enqueued.ok() ? enqueued->id : 0;
  }
  store::MessageStatus StatusOf(int64_t id) { return Await(store_->GetMessage(id))->status; }
  int64_t WallMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
  }

  // Runs d.Stop(grace) on `clock` to its end (it takes at most `grace` of
  // fake time); returns whether it ended.
  bool StopOn(FakeClock& clock, Dispatcher& d, std::chrono::milliseconds grace) {
    bool stopped = false;
    asio::co_spawn(io_, d.Stop(grace), [&](std::exception_ptr) { stopped = true; });
    return tgate::testing::RunUntil(
        io_, clock, [&] { return stopped; }, grace + std::chrono::seconds(1));
  }
  bool Stop(Dispatcher& d, std::chrono::milliseconds grace) { return StopOn(clock_, d, grace); }

  FakeClock clock_;  // first: outlives everything that reads it
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  telegram::FakeBotApi api_{clock_};
  DispatcherOptions options_;
};

}  // namespace tgate::dispatch::testing
