// FreePort: a loopback TCP port free now (the kernel's pick), so a test can
// name it in a config (public_url, an nginx site) before the process that
// will listen on it starts. Test-only; another process may take it meanwhile,
// which the kernel makes unlikely by not reusing ports at once.
#pragma once

#include <cstdint>

namespace tgate::itest {

uint16_t FreePort();

}  // namespace tgate::itest
