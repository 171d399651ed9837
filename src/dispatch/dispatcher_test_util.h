// Test-only: what every Dispatcher test fixture holds — a real io_context, the
// system clock, an in-memory store, a scripted FakeBotApi and the options —
// and the two helpers they all use to queue a message and read its status.
// Each fixture sets its own limits and its own way of running the dispatcher.
// Never included by production code.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "store/store.h"
#include "telegram/fake_bot_api.h"

namespace tgate::dispatch::testing {

class DispatcherFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({":memory:"});
    ASSERT_OK(s);
    store_ = std::move(*s);
  }

  // Queues a one-to-one message to `chat` and returns its id (0 on failure).
  int64_t Enqueue(int64_t chat, const std::string& text, const std::string& user = "") {
    auto enqueued = store_->Enqueue({"default", user, chat, text, "{}", "", store::Priority::kDirect});
    EXPECT_OK(enqueued);
    return enqueued.ok() ? enqueued->id : 0;
  }
  store::MessageStatus StatusOf(int64_t id) { return store_->GetMessage(id)->status; }

  asio::io_context io_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  telegram::FakeBotApi api_{clock_};
  DispatcherOptions options_;
};

}  // namespace tgate::dispatch::testing
