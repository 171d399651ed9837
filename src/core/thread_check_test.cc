// ThreadChecker: binds to the first thread that checks it; TGATE_ASSERT_ON
// aborts on any other (in Debug and sanitizer builds).
#include "core/thread_check.h"

#include <gtest/gtest.h>

#include <thread>

namespace tgate {
namespace {

bool CheckedFromAnotherThread(const ThreadChecker& checker) {
  bool on = true;
  std::thread([&] { on = checker.OnBoundThread(); }).join();
  return on;
}

TEST(ThreadChecker, BindsToTheFirstThreadThatChecksIt) {
  ThreadChecker checker;
  EXPECT_TRUE(checker.OnBoundThread());
  EXPECT_TRUE(checker.OnBoundThread());
  EXPECT_FALSE(CheckedFromAnotherThread(checker));
}

TEST(ThreadChecker, AnUnboundCheckerBindsToAnotherThreadToo) {
  ThreadChecker checker;
  std::thread([&] { EXPECT_TRUE(checker.OnBoundThread()); }).join();
  EXPECT_FALSE(checker.OnBoundThread());
}

TEST(ThreadChecker, DetachLetsTheNextThreadBindIt) {
  ThreadChecker checker;
  EXPECT_TRUE(checker.OnBoundThread());
  checker.Detach();
  std::thread([&] { EXPECT_TRUE(checker.OnBoundThread()); }).join();
  EXPECT_FALSE(checker.OnBoundThread());
}

TEST(ThreadCheckerDeathTest, AssertOnAbortsOffTheBoundThread) {
#ifndef TGATE_THREAD_CHECKS
  GTEST_SKIP() << "thread checks are compiled out of release builds";
#else
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadChecker checker;
  TGATE_ASSERT_ON(checker);  // binds this thread; passes
  EXPECT_DEATH(std::thread([&] { TGATE_ASSERT_ON(checker); }).join(), "called off the thread of checker");
#endif
}

TEST(ThreadCheckerDeathTest, AssertOnIsCompiledOutOfReleaseBuilds) {
#ifdef TGATE_THREAD_CHECKS
  GTEST_SKIP() << "thread checks are on in this build";
#else
  ThreadChecker checker;
  EXPECT_TRUE(checker.OnBoundThread());
  std::thread([&] { TGATE_ASSERT_ON(checker); }).join();  // no abort
  SUCCEED();
#endif
}

}  // namespace
}  // namespace tgate
