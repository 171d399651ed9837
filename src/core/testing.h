// Test helpers shared by every *_test.cc: ASSERT_OK / EXPECT_OK for Status and
// Result (as leveldb's ASSERT_LEVELDB_OK). Test-only; never included by
// production code.
#pragma once

#include <gtest/gtest.h>

#include "core/result.h"
#include "core/status.h"

namespace tgate::testing {
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
}  // namespace tgate::testing

#define ASSERT_OK(expr) \
  ASSERT_TRUE(::tgate::testing::StatusOf(expr).ok()) << ::tgate::testing::StatusOf(expr).ToString()
#define EXPECT_OK(expr) \
  EXPECT_TRUE(::tgate::testing::StatusOf(expr).ok()) << ::tgate::testing::StatusOf(expr).ToString()
