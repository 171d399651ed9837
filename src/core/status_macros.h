// Early-return macros for Status and Result<T>: the project's one way to write
// "stop here and hand the error up" (as absl's ASSIGN_OR_RETURN and td's
// TRY_STATUS / TRY_RESULT), so the 130-odd hand-written
//   auto x = Foo();
//   if (!x.ok()) return x.status();
// become one line and cannot drift (returning the wrong variable's status).
//
//   TGATE_RETURN_IF_ERROR(store.Commit());            // expr is a Status
//   TGATE_ASSIGN_OR_RETURN(auto row, st->Step());     // declares `row` (a T)
//   TGATE_ASSIGN_OR_RETURN(out.count, CountRows());   // assigns an existing lvalue
//   TGATE_ASSIGN_OR_RETURN((auto [id, name]), Pair());  // commas: wrap lhs in ()
//
// Both work in any function whose return type is built from a Status (Status,
// Result<U>). Coroutines cannot `return`; they use the TGATE_CO_ variants,
// which `co_return` instead (Awaitable<Status>, Awaitable<Result<U>>).
//
// `expr` is evaluated exactly once. TGATE_ASSIGN_OR_RETURN expands to several
// statements in the enclosing scope (it must, to declare `lhs` there), so it
// cannot be the unbraced body of an if/for/while. The value is moved out of the
// Result, so move-only types work. What these are not: a way to handle or
// translate an error (write the `if` by hand when the status needs context or a
// different code), nor an exception mechanism.
#pragma once

#include <utility>

#include "core/status.h"

// Returns the Status `expr` from the enclosing function if it is not OK. One
// statement (safe under an unbraced if); `expr` may contain commas.
#define TGATE_RETURN_IF_ERROR(...)            \
  do {                                        \
    ::tgate::Status tgate_s_ = (__VA_ARGS__); \
    if (!tgate_s_.ok()) return tgate_s_;      \
  } while (0)

// As TGATE_RETURN_IF_ERROR, in a coroutine.
#define TGATE_CO_RETURN_IF_ERROR(...)         \
  do {                                        \
    ::tgate::Status tgate_s_ = (__VA_ARGS__); \
    if (!tgate_s_.ok()) co_return tgate_s_;   \
  } while (0)

// Evaluates `expr` (a Result<T>); on error returns its Status from the
// enclosing function, otherwise declares or assigns `lhs` from the value.
// `expr` may contain commas; `lhs` may too if wrapped in parentheses.
#define TGATE_ASSIGN_OR_RETURN(lhs, ...)                                                             \
  TGATE_ASSIGN_OR_RETURN_IMPL_(TGATE_STATUS_MACROS_CONCAT_(tgate_result_, __COUNTER__), return, lhs, \
                               __VA_ARGS__)

// As TGATE_ASSIGN_OR_RETURN, in a coroutine; `expr` may contain co_await.
#define TGATE_CO_ASSIGN_OR_RETURN(lhs, ...)                                                             \
  TGATE_ASSIGN_OR_RETURN_IMPL_(TGATE_STATUS_MACROS_CONCAT_(tgate_result_, __COUNTER__), co_return, lhs, \
                               __VA_ARGS__)

// Implementation details below.
#define TGATE_ASSIGN_OR_RETURN_IMPL_(result, return_keyword, lhs, ...) \
  auto result = (__VA_ARGS__);                                         \
  if (!result.ok()) return_keyword result.status();                    \
  TGATE_STATUS_MACROS_UNPAREN_(lhs) = std::move(result).value()

#define TGATE_STATUS_MACROS_CONCAT_(a, b) TGATE_STATUS_MACROS_CONCAT_IMPL_(a, b)
#define TGATE_STATUS_MACROS_CONCAT_IMPL_(a, b) a##b

// TGATE_STATUS_MACROS_UNPAREN_((a, b)) is `a, b` and TGATE_STATUS_MACROS_UNPAREN_(a)
// is `a`: STRIP_ swallows the parentheses if there are any, and the STRIP_ token
// left in front either way is pasted into DROP_STRIP_, which expands to nothing.
#define TGATE_STATUS_MACROS_UNPAREN_(x) TGATE_STATUS_MACROS_UNPAREN_IMPL_(TGATE_STATUS_MACROS_STRIP_ x)
#define TGATE_STATUS_MACROS_STRIP_(...) TGATE_STATUS_MACROS_STRIP_ __VA_ARGS__
#define TGATE_STATUS_MACROS_UNPAREN_IMPL_(...) TGATE_STATUS_MACROS_UNPAREN_PASTE_(__VA_ARGS__)
#define TGATE_STATUS_MACROS_UNPAREN_PASTE_(...) TGATE_STATUS_MACROS_DROP_##__VA_ARGS__
#define TGATE_STATUS_MACROS_DROP_TGATE_STATUS_MACROS_STRIP_
