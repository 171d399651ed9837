#include "app/build_info.h"

#include <string>

#include "tgate_version.h"  // generated: TGATE_VERSION

namespace tgate::app {

std::string_view Version() { return TGATE_VERSION; }

void DescribeBuildInfo(Metrics& metrics) {
  metrics.Describe("tgate_build_info", "gauge", "Always 1; the version label says which tgate this is.");
  // git describe's output is [0-9A-Za-z.+-] only: nothing to escape.
  metrics.Set("tgate_build_info", "version=\"" + std::string(Version()) + "\"", 1);
}

}  // namespace tgate::app
