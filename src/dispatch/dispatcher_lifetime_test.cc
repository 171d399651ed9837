// The Dispatcher's coroutines after ~Dispatcher (core/lifetime.h): a send
// answered after the Dispatcher is gone touches nothing outside it — not the
// store, which its owner may have destroyed by then (the ASan build of the
// hardening tests would report the use after free) — and the message stays
// queued in the store for the next process.
#include <gtest/gtest.h>

#include "core/fake_clock_test_util.h"
#include "core/testing.h"
#include "dispatch/dispatcher.h"
#include "dispatch/dispatcher_test_util.h"
#include "store/faulty_store_test_util.h"

namespace tgate::dispatch {
namespace {

using namespace std::chrono_literals;

class DispatcherLifetimeTest : public testing::DispatcherFixture {};

TEST_F(DispatcherLifetimeTest, ASendAnsweredAfterTheDispatcherIsGoneTouchesNothingOfIt) {
  // A blocked user's answer makes the dispatcher read the store at once (the
  // binding) and write it at the next flush (the outcome and the binding).
  const int64_t id = Enqueue(101, "a", "u1");
  api_.ScriptChat(101, 403,
                  R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})");
  api_.set_latency(500ms);
  store::testing::FaultyStore faulty(*store_);
  int reads_after = -1;
  int writes_after = -1;
  {
    Dispatcher d(io_.get_executor(), faulty, faulty, faulty, api_, clock_, options_);
    d.Start();
    ASSERT_TRUE(tgate::testing::RunUntil(
        io_, clock_, [&] { return api_.calls().size() == 1; }, 10s));
    reads_after = faulty.calls("GetBindingByChat");
    writes_after = faulty.calls("WriteOutcomes");
  }                                         // destroyed with its send in flight, Stop() never called
  tgate::testing::RunFor(io_, clock_, 5s);  // the answer comes; the loop's sleep ends
  EXPECT_EQ(faulty.calls("GetBindingByChat"), reads_after) << "nothing read after ~Dispatcher";
  EXPECT_EQ(faulty.calls("WriteOutcomes"), writes_after) << "nothing written after ~Dispatcher";
  EXPECT_EQ(api_.calls().size(), 1u) << "and nothing sent";
  EXPECT_EQ(StatusOf(id), store::MessageStatus::kQueued) << "the next process sends it";
  EXPECT_EQ(clock_.pending_waits(), 0u) << "no coroutine left waiting";
}

}  // namespace
}  // namespace tgate::dispatch
