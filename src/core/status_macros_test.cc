#include "core/status_macros.h"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/result.h"
#include "core/testing.h"

namespace tgate {
namespace {

Status Fail() { return Status::NotFound("no such row"); }
Result<int> Seven() { return 7; }
Result<int> NoInt() { return Status::Unavailable("busy"); }
Result<std::unique_ptr<int>> Boxed(int v) { return std::make_unique<int>(v); }
Result<std::pair<int, std::string>> Pair() { return std::pair<int, std::string>{3, "three"}; }
Result<std::map<int, int>> Map() { return std::map<int, int>{{1, 2}}; }

// Counts its calls, so a test can see `expr` evaluated once.
struct Counter {
  int calls = 0;
  Result<int> Next() { return ++calls; }
  Status Check() {
    ++calls;
    return Status::Ok();
  }
};

TEST(ReturnIfError, PassesOverAnOkStatus) {
  auto f = []() -> Status {
    TGATE_RETURN_IF_ERROR(Status::Ok());
    return Status::Conflict("reached the end");
  };
  EXPECT_EQ(f().code(), Code::kConflict);
}

TEST(ReturnIfError, ReturnsTheErrorItself) {
  auto f = []() -> Status {
    TGATE_RETURN_IF_ERROR(Fail());
    return Status::Ok();
  };
  Status s = f();
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "no such row");
}

TEST(ReturnIfError, WorksInAFunctionReturningAResult) {
  auto f = [](bool fail) -> Result<int> {
    TGATE_RETURN_IF_ERROR(fail ? Fail() : Status::Ok());
    return 1;
  };
  EXPECT_EQ(*f(false), 1);
  EXPECT_EQ(f(true).status().code(), Code::kNotFound);
}

TEST(ReturnIfError, EvaluatesItsExpressionOnce) {
  Counter counter;
  auto f = [&]() -> Status {
    TGATE_RETURN_IF_ERROR(counter.Check());
    return Status::Ok();
  };
  ASSERT_OK(f());
  EXPECT_EQ(counter.calls, 1);
}

TEST(ReturnIfError, TakesAnExpressionWithCommas) {
  auto f = []() -> Status {
    TGATE_RETURN_IF_ERROR(std::pair<Status, int>{Fail(), 1}.first);
    return Status::Ok();
  };
  EXPECT_EQ(f().code(), Code::kNotFound);
}

TEST(ReturnIfError, IsOneStatementUnderAnUnbracedIf) {
  auto f = [](bool check) -> Status {
    if (check)
      TGATE_RETURN_IF_ERROR(Fail());
    else
      return Status::Conflict("not checked");
    return Status::Ok();
  };
  EXPECT_EQ(f(true).code(), Code::kNotFound);
  EXPECT_EQ(f(false).code(), Code::kConflict);
}

TEST(AssignOrReturn, DeclaresTheValue) {
  auto f = []() -> Result<int> {
    TGATE_ASSIGN_OR_RETURN(auto v, Seven());
    TGATE_ASSIGN_OR_RETURN(const int w, Seven());
    return v * w;
  };
  EXPECT_EQ(*f(), 49);
}

TEST(AssignOrReturn, ReturnsTheStatusOfAnError) {
  bool reached = false;
  auto f = [&]() -> Result<std::string> {
    TGATE_ASSIGN_OR_RETURN(auto v, NoInt());
    reached = true;
    return std::to_string(v);
  };
  Result<std::string> r = f();
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "busy");
  EXPECT_FALSE(reached);
}

TEST(AssignOrReturn, WorksInAFunctionReturningAStatus) {
  int seen = 0;
  auto f = [&](bool fail) -> Status {
    TGATE_ASSIGN_OR_RETURN(seen, fail ? NoInt() : Seven());
    return Status::Ok();
  };
  ASSERT_OK(f(false));
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(f(true).code(), Code::kUnavailable);
}

TEST(AssignOrReturn, AssignsAnExistingLvalue) {
  struct Out {
    int count = 0;
  } out;
  auto f = [&]() -> Status {
    TGATE_ASSIGN_OR_RETURN(out.count, Seven());
    return Status::Ok();
  };
  ASSERT_OK(f());
  EXPECT_EQ(out.count, 7);
}

TEST(AssignOrReturn, MovesAMoveOnlyValue) {
  auto f = []() -> Result<std::unique_ptr<int>> {
    TGATE_ASSIGN_OR_RETURN(std::unique_ptr<int> p, Boxed(5));
    *p += 1;
    return p;
  };
  Result<std::unique_ptr<int>> r = f();
  ASSERT_OK(r);
  EXPECT_EQ(**r, 6);
}

TEST(AssignOrReturn, TakesALhsWithCommasInParentheses) {
  auto f = []() -> Result<std::string> {
    TGATE_ASSIGN_OR_RETURN((auto [n, name]), Pair());
    TGATE_ASSIGN_OR_RETURN((std::map<int, int> m), Map());
    return name + std::to_string(n) + std::to_string(m.at(1));
  };
  EXPECT_EQ(*f(), "three32");
}

TEST(AssignOrReturn, TakesAnExpressionWithCommas) {
  auto f = []() -> Result<int> {
    TGATE_ASSIGN_OR_RETURN(auto v, Result<std::pair<int, int>>(std::pair<int, int>{1, 2}));
    return v.first + v.second;
  };
  EXPECT_EQ(*f(), 3);
}

TEST(AssignOrReturn, EvaluatesItsExpressionOnce) {
  Counter counter;
  auto f = [&]() -> Result<int> {
    TGATE_ASSIGN_OR_RETURN(auto v, counter.Next());
    return v;
  };
  EXPECT_EQ(*f(), 1);
  EXPECT_EQ(counter.calls, 1);
}

TEST(AssignOrReturn, TwoOnOneLineDoNotCollide) {
  // clang-format off
  auto f = []() -> Result<int> { TGATE_ASSIGN_OR_RETURN(auto a, Seven()); TGATE_ASSIGN_OR_RETURN(auto b, Seven()); return a + b; };
  // clang-format on
  EXPECT_EQ(*f(), 14);
}

// The coroutine variants, run to completion on an io_context.
template <typename T>
T RunToEnd(boost::asio::awaitable<T> a) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(a)); },
      boost::asio::detached);
  io.run();
  return std::move(*out);
}

boost::asio::awaitable<Result<int>> AsyncInt(bool fail) {
  if (fail) co_return Status::Unavailable("busy");
  co_return 7;
}
boost::asio::awaitable<Status> AsyncFail() { co_return Fail(); }

boost::asio::awaitable<Result<int>> AddAsync(bool fail) {
  TGATE_CO_ASSIGN_OR_RETURN(auto a, co_await AsyncInt(false));
  TGATE_CO_ASSIGN_OR_RETURN(auto b, co_await AsyncInt(fail));
  co_return a + b;
}

boost::asio::awaitable<Status> CheckAsync(bool fail) {
  TGATE_CO_RETURN_IF_ERROR(Status::Ok());
  if (fail) TGATE_CO_RETURN_IF_ERROR(co_await AsyncFail());
  TGATE_CO_ASSIGN_OR_RETURN(std::unique_ptr<int> p, Boxed(1));  // a plain Result works too
  co_return *p == 1 ? Status::Ok() : Status::Internal("lost the value");
}

TEST(CoAssignOrReturn, DeclaresTheValueOrReturnsTheStatus) {
  EXPECT_EQ(*RunToEnd(AddAsync(false)), 14);
  Result<int> r = RunToEnd(AddAsync(true));
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "busy");
}

TEST(CoReturnIfError, PassesOverOkAndReturnsTheError) {
  ASSERT_OK(RunToEnd(CheckAsync(false)));
  EXPECT_EQ(RunToEnd(CheckAsync(true)).code(), Code::kNotFound);
}

}  // namespace
}  // namespace tgate
