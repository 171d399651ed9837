// WithLivenessChecks: the lease keeper's connection string, made to notice a
// dead database within about a lease. A renewal waiting on a socket whose
// peer vanished (the database host rebooted behind a partition) would
// otherwise wait for the kernel's default keepalive, two hours, and the
// instance would not come back by itself. The send window (send_window.h)
// keeps a stale owner safe either way; this is about recovering.
// Adds, unless the string sets them already: keepalives_idle,
// keepalives_interval and keepalives_count (a silent peer is dropped after
// about a lease), and tcp_user_timeout (data unacknowledged for a lease).
// TCP only: libpq ignores them on a unix socket. Not a timeout on a statement
// (statement_timeout is the server's).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::cluster {

// `conninfo` (a postgresql:// URL or key=value pairs) with the settings
// above; InvalidArgument (without the password) if libpq cannot parse it.
Result<std::string> WithLivenessChecks(std::string_view conninfo, std::chrono::milliseconds lease);

}  // namespace tgate::cluster
