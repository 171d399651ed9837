// StatusPage: the HTML of GET /status, compiled into the binary: inline CSS
// and a small inline script that draws the figures (an inline SVG plot of
// the send rate) and fetches /status.json every 2 s. No external scripts,
// fonts or images: the machines running tgate may have no internet.
// Not the figures (status_snapshot.h) nor the HTTP handling (status_endpoint.h).
#pragma once

#include <string>
#include <string_view>

namespace tgate::status {

// The page with `initial_json` (a /status.json body) embedded, so the first
// paint needs no second request.
std::string RenderStatusPage(std::string_view initial_json);

}  // namespace tgate::status
