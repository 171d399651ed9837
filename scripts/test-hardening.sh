#!/usr/bin/env bash
# Hardening tests, from one clang build (build-hardening/, -DTGATE_FUZZ=ON:
# everything instrumented for AddressSanitizer, UndefinedBehaviorSanitizer and
# libFuzzer's coverage): the unit suite under ASan/UBSan (with the PostgreSQL
# of TGATE_TEST_PG, or a throwaway one it starts), then every libFuzzer target
# in fuzz/ for a fixed time on a copy of its seed corpus (fuzz/corpus/<target>/;
# the repository is not modified). One build, not one per part: a build is most
# of the run's time. Prints how long each part took and, per target, runs /
# time / result. Exits non-zero on any sanitizer report, failed test or fuzzer
# finding; a finding's input is kept in build-hardening/findings/ with the
# command that reproduces it.
#   FUZZ_SECONDS  time per fuzz target (default 20)
#   JOBS          build parallelism (default: nproc)
#   SKIP_ASAN=1 / SKIP_FUZZ=1  run only the other part
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_seconds=${FUZZ_SECONDS:-20}
jobs=${JOBS:-$(nproc)}
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

scripts/install-deps.sh --hardening

# Cleanup at exit: the fuzz work dir, and the PostgreSQL this script started.
work=""
pg_dir=""
cleanup() {
  if [ -n "$work" ]; then rm -rf "$work"; fi
  if [ -n "$pg_dir" ]; then scripts/pg-test-server.sh stop "$pg_dir"; fi
}
trap cleanup EXIT

declare -a timings=()
t0=$(date +%s)
since() { echo $(( $(date +%s) - $1 )); }
failed=0

# Keep going after a finding: the report should cover every part.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=()
if [ "${SKIP_ASAN:-0}" != 1 ]; then targets+=(unit_tests); fi
if [ "${SKIP_FUZZ:-0}" != 1 ]; then targets+=(fuzzers); fi
if [ ${#targets[@]} -gt 0 ]; then
  t=$(date +%s)
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-hardening -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTGATE_FUZZ=ON \
    "${launcher[@]}" >/dev/null
  nice cmake --build build-hardening -j"$jobs" --target "${targets[@]}"
  timings+=("build-hardening (clang; ${targets[*]}): $(since "$t") s")
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
  # The PostgreSQL tests need a server: scripts/test.sh passes its own; run
  # alone, this starts one.
  if [ -z "${TGATE_TEST_PG:-}" ]; then
    pg_dir=$(mktemp -d /tmp/tgate-pg.XXXXXX)
    scripts/pg-test-server.sh start "$pg_dir" >/dev/null
    TGATE_TEST_PG=$(cat "$pg_dir/url")
    export TGATE_TEST_PG
  fi
  t=$(date +%s)
  # A test that fails is run once more: under the sanitizers (several times slower) a test that
  # waits on a real PostgreSQL can miss its moment on a busy 2-core machine; a defect fails twice.
  if ! (cd build-hardening && ctest -L unit --output-on-failure -j"$jobs" --timeout 300 --repeat until-pass:2); then
    echo "FAILED: unit tests under ASan/UBSan" >&2
    failed=1
  fi
  timings+=("unit tests under ASan/UBSan: $(since "$t") s")
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  t=$(date +%s)
  work=$(mktemp -d)
  mkdir -p build-hardening/findings
  results=()
  for corpus in fuzz/corpus/*/; do
    name=$(basename "$corpus")
    bin=build-hardening/${name}_fuzzer
    mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
    cp -r "$corpus". "$work/$name/corpus/"
    log=$work/$name/log
    start=$(date +%s)
    set +e
    "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" >"$log" 2>&1
    rc=$?
    set -e
    secs=$(since "$start")
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then
      result="ok"
    else
      failed=1
      result="FAILED (exit $rc)"
      for a in "$work/$name/artifacts"/*; do
        [ -e "$a" ] || continue
        cp "$a" "build-hardening/findings/${name}-$(basename "$a")"
        result="$result; input: build-hardening/findings/${name}-$(basename "$a") (reproduce: $bin <input>)"
      done
      echo "---- $name: last lines of the fuzzer's log" >&2
      grep -E 'ERROR|invariant failed|runtime error|SUMMARY|#[0-9]+ 0x' "$log" | head -30 >&2 || tail -30 "$log" >&2
    fi
    results+=("$(printf '%-16s %9s runs %4s s  cov %5s  %s' "$name" "${runs:-?}" "$secs" "${cov:-?}" "$result")")
  done
  timings+=("fuzzing ($fuzz_seconds s per target): $(since "$t") s")
  echo
  echo "fuzz targets:"
  printf '  %s\n' "${results[@]}"
fi

echo
echo "hardening timings:"
printf '  %s\n' "${timings[@]}"
echo "  total: $(since "$t0") s"
if [ "$failed" -ne 0 ]; then
  echo "test-hardening: FAILED" >&2
  exit 1
fi
echo "test-hardening: ok"
