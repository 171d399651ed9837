// ThreadChecker: remembers the one thread an object is confined to, so debug
// builds can assert that every call into it comes from that thread
// (TGATE_ASSERT_ON). tgate's threads and what each owns: app/threads.h.
// Not a lock and not a way to share an object between threads: it only
// catches a call from the wrong thread, in Debug and sanitizer builds (in
// release builds TGATE_ASSERT_ON compiles to nothing).
// The checker binds to the first thread that checks it, not to the one that
// built it: tgate builds its components before the io thread runs them (in
// tgate both are the main thread, but a test or a tool may differ).
// Thread-safety: OnBoundThread() may be called from any thread.
#pragma once

#include <atomic>
#include <thread>

#include "core/sanitizers.h"

// Debug builds (no NDEBUG) and sanitizer builds check; release builds do not.
#if !defined(NDEBUG) || defined(TGATE_UNDER_SANITIZERS)
#define TGATE_THREAD_CHECKS 1
#endif

namespace tgate {

class ThreadChecker {
 public:
  ThreadChecker() = default;
  ThreadChecker(const ThreadChecker&) = delete;
  ThreadChecker& operator=(const ThreadChecker&) = delete;

  // True when called on the bound thread; the first call binds the caller's.
  bool OnBoundThread() const {
    const std::thread::id me = std::this_thread::get_id();
    std::thread::id expected{};
    if (bound_.compare_exchange_strong(expected, me)) return true;
    return expected == me;
  }

  // Forgets the bound thread: the next check binds again (an object handed
  // over to another thread, on purpose, before that thread uses it).
  void Detach() { bound_.store(std::thread::id{}); }

 private:
  mutable std::atomic<std::thread::id> bound_{};
};

// Reports a failed TGATE_ASSERT_ON (what, where) on stderr and aborts.
[[noreturn]] void ThreadCheckFailed(const char* what, const char* file, int line);

}  // namespace tgate

// TGATE_ASSERT_ON(checker): aborts when called off `checker`'s thread (Debug
// and sanitizer builds only; nothing in release builds, the argument is not
// even evaluated).
#ifdef TGATE_THREAD_CHECKS
#define TGATE_ASSERT_ON(checker) \
  ((checker).OnBoundThread() ? (void)0 : ::tgate::ThreadCheckFailed(#checker, __FILE__, __LINE__))
#else
#define TGATE_ASSERT_ON(checker) ((void)0)
#endif
