// The one place that spells Boost 1.81's Asio/Beast coroutine vocabulary, so
// the rest of the code writes `co_await x.async_read(..., kUseAwaitable)` and
// `Awaitable<T>` without repeating the boilerplate (STYLE.md §10).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/awaitable.h"

namespace tgate {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Completion token that makes async operations return (error_code, ...) tuples
// instead of throwing: expected failures are values.
inline constexpr auto kAsTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
inline constexpr auto& kUseAwaitable = boost::asio::use_awaitable;

}  // namespace tgate
