#!/usr/bin/env bash
# Builds and runs the benchmarks; each prints its figures beside their targets.
# A run takes a few minutes (pass --quick for a smaller one; --only jitter
# for the network-jitter row alone, about 30 s). ingest_bench starts nginx
# and wrk (Debian packages, installed below) and stops them itself;
# events_bench hands a full outbox of events to a loopback site of its own.
# --cluster runs the PostgreSQL/cluster benchmarks alone, on a throwaway
# PostgreSQL (or TGATE_TEST_PG's): delivery_bench's mixed run on PostgreSQL
# beside SQLite's (and its enqueue run on both), ingest_bench on PostgreSQL
# (nginx and wrk as above); --quick: a few minutes.
# Then bench/cluster_bench (tgate serve x2-3 on one database: failover after
# kill -9, handover after SIGTERM, a broadcast to 1,000,000 users; --quick:
# 100,000).
# --instructions runs ingest_bench --instructions and delivery_bench
# --instructions alone: tgate under valgrind's callgrind, user-space
# instructions per webhook update, per message taken in and per message
# delivered, steady enough to compare two builds where CPU time is not
# (under a minute; --quick changes nothing there but ingest's counted runs).
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=0
instructions=0
args=()
for a in "$@"; do
  if [[ "$a" == "--cluster" ]]; then
    cluster=1
  elif [[ "$a" == "--instructions" ]]; then
    instructions=1
  else
    args+=("$a")
  fi
done
scripts/install-deps.sh
scripts/build.sh
status=0
if [[ $instructions == 1 ]]; then
  quick=()
  for a in ${args[@]+"${args[@]}"}; do
    if [[ "$a" == "--quick" ]]; then quick=(--quick); fi
  done
  build/ingest_bench --instructions ${quick[@]+"${quick[@]}"} || status=$?
  build/delivery_bench --instructions || status=$?
  exit $status
fi
if [[ $cluster == 1 ]]; then
  if [[ -z "${TGATE_TEST_PG:-}" ]]; then
    pg_dir=$(mktemp -d /tmp/tgate-bench-pg.XXXXXX)
    trap 'scripts/pg-test-server.sh stop "$pg_dir"' EXIT
    scripts/pg-test-server.sh start "$pg_dir" >/dev/null
    TGATE_TEST_PG=$(cat "$pg_dir/url")
    export TGATE_TEST_PG
  fi
  build/delivery_bench --only mixed --db both ${args[@]+"${args[@]}"} || status=$?
  build/ingest_bench --db postgresql ${args[@]+"${args[@]}"} || status=$?
  build/cluster_bench ${args[@]+"${args[@]}"} || status=$?
  exit $status
fi
build/outcome_bench || status=$?
# Taking work in, against nginx on loopback under wrk (about 1.5 minutes,
# --quick under 1); not part of an --only run.
ingest_args=()
only=0
for a in ${args[@]+"${args[@]}"}; do
  if [[ "$a" == "--quick" ]]; then ingest_args+=(--quick); fi
  if [[ "$a" == "--only" ]]; then only=1; fi
done
if [[ $only == 0 ]]; then
  build/ingest_bench ${ingest_args[@]+"${ingest_args[@]}"} || status=$?
  # Handing events to the site (under half a minute).
  build/events_bench ${ingest_args[@]+"${ingest_args[@]}"} || status=$?
fi
build/delivery_bench ${args[@]+"${args[@]}"} || status=$?
exit $status
