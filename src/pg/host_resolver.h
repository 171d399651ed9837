// ResolveHosts: looks up the host names of a connection string with Asio's
// asynchronous resolver and returns them as libpq's hostaddr list, so that
// libpq (which calls the blocking getaddrinfo inside PQconnectStartParams)
// never resolves a name on the io thread. Each address of a name becomes its
// own entry (host and port repeated), so libpq still tries them in turn.
// Not a connection attempt, and not a cache: every Connect looks up again.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/awaitable.h"
#include "core/result.h"

namespace tgate::pg {

// libpq keyword values that replace the connection string's own.
struct HostOverride {
  std::string host;      // comma-separated, one per address
  std::string hostaddr;  // numeric addresses; "" entries for unix sockets
  std::string port;      // "" entries mean the default port
};

// `host`, `hostaddr` and `port` as the connection string gives them (empty when
// absent). Nothing to do (std::nullopt) when there is no host, when hostaddr is
// already given, or when the lists do not line up (libpq reports that).
// Unavailable when no name resolves. REQUIRES: `resolver` outlives the call
// (cancel it to cut the lookups short).
Awaitable<Result<std::optional<HostOverride>>> ResolveHosts(asio::ip::tcp::resolver& resolver,
                                                            std::string_view host, std::string_view hostaddr,
                                                            std::string_view port);

}  // namespace tgate::pg
