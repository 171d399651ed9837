#include "core/thread_check.h"

#include <cstdio>
#include <cstdlib>

namespace tgate {

void ThreadCheckFailed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: called off the thread of %s (see app/threads.h)\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace tgate
