#!/usr/bin/env bash
# Installs what is missing, checks the formatting (scripts/check-format.sh),
# builds, and runs the whole test suite: unit and
# integration tests (through CTest), then the hardening tests
# (scripts/test-hardening.sh: the unit suite under ASan/UBSan, and every
# libFuzzer target for a short fixed time), with a throwaway PostgreSQL
# (scripts/pg-test-server.sh) for the tests that need one. Benchmarks are separate:
# scripts/bench.sh. SKIP_HARDENING=1 runs only the first part.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_HARDENING:-0}" != 1 ]; then
  scripts/install-deps.sh --hardening  # one apt run for both parts
else
  scripts/install-deps.sh
fi
scripts/check-format.sh
scripts/build.sh
# One throwaway PostgreSQL for every test that needs one (TGATE_TEST_PG), kept
# for the hardening run, stopped at the end whatever happens.
pg_dir=$(mktemp -d /tmp/tgate-pg.XXXXXX)
trap 'scripts/pg-test-server.sh stop "$pg_dir"' EXIT
scripts/pg-test-server.sh start "$pg_dir" >/dev/null
TGATE_TEST_PG=$(cat "$pg_dir/url")
export TGATE_TEST_PG
(cd build && ctest --output-on-failure -j"${JOBS:-2}" --timeout 300)
if [ "${SKIP_HARDENING:-0}" != 1 ]; then
  scripts/test-hardening.sh
fi
