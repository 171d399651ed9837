// BuildInfo: which tgate this is: the version from CMake's project() plus
// `git describe` of the checkout it was built from when there was one, e.g.
// "0.1.0+5a8eb6c-dirty" (cmake/build_version.cmake). Shown by
// `tgate --version`, in the startup log line and on /metrics. Not a feature
// switch: nothing behaves differently by version.
#pragma once

#include <string_view>

#include "core/metrics.h"

namespace tgate::app {

std::string_view Version();

// Adds tgate_build_info{version="..."} 1 to `metrics`: a gauge that is always
// 1, Prometheus' convention for facts about the build.
void DescribeBuildInfo(Metrics& metrics);

}  // namespace tgate::app
