#!/usr/bin/env bash
# Builds and runs the benchmarks; each prints its figures beside their targets.
# A run takes a few minutes (pass --quick for a smaller one; --only jitter
# for the network-jitter row alone, about 30 s).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
status=0
build/outcome_bench || status=$?
build/delivery_bench "$@" || status=$?
exit $status
