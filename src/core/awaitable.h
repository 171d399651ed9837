// Awaitable<T>: the coroutine type of tgate's asynchronous calls (Asio's
// awaitable), and the `asio` namespace alias. Here in core because layers
// below http (the store, the PostgreSQL client) return it too; http/asio.h
// adds Beast and the completion tokens. Not an executor or a scheduler.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace tgate {

namespace asio = boost::asio;

template <typename T = void>
using Awaitable = boost::asio::awaitable<T>;

}  // namespace tgate
