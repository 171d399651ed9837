// EventLoops: each loop is one thread of its own, executors are handed out
// round-robin, and Stop() returns even with work parked on a loop.
#include "http/event_loops.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

namespace tgate::http {
namespace {

using namespace std::chrono_literals;

std::thread::id ThreadOf(const EventLoops::Executor& ex) {
  std::promise<std::thread::id> where;
  asio::post(ex, [&where] { where.set_value(std::this_thread::get_id()); });
  auto future = where.get_future();
  EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
  return future.get();
}

TEST(EventLoops, HandsOutEachLoopInTurnAndEachLoopIsOneThreadOfItsOwn) {
  EventLoops loops(3);
  std::vector<EventLoops::Executor> given;
  for (int i = 0; i < 6; ++i) given.push_back(loops.Next());
  std::set<std::thread::id> threads;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(given[i], given[i + 3]);  // the fourth is the first again
    const std::thread::id t = ThreadOf(given[i]);
    EXPECT_NE(t, std::this_thread::get_id());
    EXPECT_EQ(ThreadOf(given[i]), t);  // a loop always runs on its one thread
    threads.insert(t);
  }
  EXPECT_EQ(threads.size(), 3u);
}

TEST(EventLoops, ZeroThreadsStillGivesOneLoop) {
  EventLoops loops(0);
  EXPECT_NE(ThreadOf(loops.Next()), std::this_thread::get_id());
}

TEST(EventLoops, StopReturnsWhileAnOperationWaitsForever) {
  EventLoops loops(2);
  asio::steady_timer parked(loops.Next(), asio::steady_timer::time_point::max());
  parked.async_wait([](boost::system::error_code) {});
  loops.Stop();
  loops.Join();  // would hang if a loop kept running for the parked wait
  SUCCEED();
}

}  // namespace
}  // namespace tgate::http
