#!/usr/bin/env bash
# Installs the Debian 12 packages tgate needs to build and test, if missing.
# Safe to run again: it only installs what is not there yet.
# --hardening: also what scripts/test-hardening.sh needs (clang and its
# sanitizer/libFuzzer runtimes).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git curl
  lld  # the linker (CMakeLists.txt)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libjemalloc-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-format
  libpq-dev postgresql-15
  libqrencode-dev zbar-tools librsvg2-bin
  python3 python3-setuptools python3-wheel python3-pip python3-mypy python3-django python3-jsonschema
  nginx  # the TLS proxy of deploy/ (tests/integration/nginx_tls_test.cc); ingest_bench's reference
  wrk    # the load of bench/ingest_bench.cc
  valgrind  # callgrind, for the benchmarks' --instructions
  linux-perf  # perf stat on syscall tracepoints, for delivery_bench --syscalls
  # headless, for the status page test (tests/integration/status_page_test.cc)
  chromium
)
if [ "${1:-}" = "--hardening" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
