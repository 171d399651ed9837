#!/usr/bin/env bash
# Installs what is missing, checks the formatting (scripts/check-format.sh),
# builds, and runs the whole test suite: unit and
# integration tests (through CTest), then the hardening tests
# (scripts/test-hardening.sh: the unit suite under ASan/UBSan, and every
# libFuzzer target for a short fixed time). Benchmarks are separate:
# scripts/bench.sh. SKIP_HARDENING=1 runs only the first part.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j"${JOBS:-2}" --timeout 300)
if [ "${SKIP_HARDENING:-0}" != 1 ]; then
  scripts/test-hardening.sh
fi
