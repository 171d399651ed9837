#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests (not for production).
#   scripts/pg-test-server.sh start [dir]   initdb into dir (a new temp dir if
#       omitted), start the server as the `postgres` OS user, listening on a
#       unix socket in dir and on 127.0.0.1 at a free port; wait until it takes
#       connections; print `TGATE_TEST_PG=<url>` and write the url to dir/url
#       (the url has a '&': quote it, `export TGATE_TEST_PG=$(cat dir/url)`).
#   scripts/pg-test-server.sh stop <dir>    stop that server and remove dir.
# The url reaches the superuser `postgres` (trust over the unix socket) in the
# maintenance database `postgres`, where tests may CREATE DATABASE. TCP
# connections need a password (scram-sha-256): the role `tgate_pw_user` has
# the password `tgate-test-password` (for the credentials tests).
# Settings favour speed over durability (fsync=off ...): test data only.
# Must run as root (as CI does): PostgreSQL refuses to run as root, so the
# server runs as `postgres` through runuser.
set -euo pipefail

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

die() {
  echo "pg-test-server: $*" >&2
  exit 1
}

as_postgres() { runuser -u postgres -- "$@"; }

preflight() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it runs PostgreSQL as the 'postgres' user with runuser)"
  [ -x "$bindir/initdb" ] || die "PostgreSQL 15 is not installed ($bindir/initdb missing): run scripts/install-deps.sh"
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user: install postgresql-15 (scripts/install-deps.sh)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  preflight
  local dir=${1:-}
  if [ -z "$dir" ]; then
    dir=$(mktemp -d /tmp/tgate-pg.XXXXXX)
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # The socket path must fit in sun_path (107 bytes).
  [ ${#dir} -le 80 ] || die "dir path too long for a unix socket: $dir"
  [ ! -e "$dir/data" ] || die "$dir/data exists: stop the server there first"
  chown postgres: "$dir"
  chmod 0755 "$dir"
  as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    die "initdb failed: see $dir/initdb.log"
  cat >>"$dir/data/postgresql.conf" <<EOF
# tgate test server: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 32MB
unix_socket_directories = '$dir'
listen_addresses = '127.0.0.1'
lc_messages = 'C'
log_min_messages = warning
EOF
  local port="" _
  for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    if as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start \
      >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || die "could not start PostgreSQL: see $dir/server.log"
  as_postgres "$bindir/psql" -q -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE tgate_pw_user LOGIN PASSWORD 'tgate-test-password'" >/dev/null ||
    die "could not create the test role: see $dir/server.log"
  local url="postgresql://postgres@/postgres?host=$dir&port=$port"
  echo "$url" >"$dir/url"
  echo "$port" >"$dir/port"
  echo "TGATE_TEST_PG=$url"
}

stop() {
  local dir=${1:-}
  [ -n "$dir" ] || die "usage: $0 stop <dir>"
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 ||
      echo "pg-test-server: pg_ctl stop failed for $dir" >&2
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start [dir] | stop <dir>" ;;
esac
