#!/usr/bin/env bash
# One command to try or run tgate on a fresh Debian 12 machine: installs what
# is missing, builds, then starts tgate. With a bot token configured
# (TGATE_BOT_TOKEN, or a config file passed as the first argument) it runs
# `tgate serve`; without one it runs `tgate sandbox`, tgate wired to the
# built-in Bot API emulator, and prints a walkthrough.
set -euo pipefail
# The config file is named from where the user stands: resolve it before
# changing folder. A relative db in it is then taken against its folder by
# tgate itself (config::Load), not against the checkout.
config=""
if [ $# -ge 1 ]; then
  if [ ! -f "$1" ]; then
    echo "run.sh: config file '$1' not found (from $(pwd)); pass the path of your tgate.toml" >&2
    exit 2
  fi
  config="$(realpath "$1")"
fi
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
if [ -n "$config" ]; then
  exec build/tgate --config "$config" serve
elif [ -n "${TGATE_BOT_TOKEN:-}" ]; then
  exec build/tgate serve
else
  echo "No TGATE_BOT_TOKEN set: starting the sandbox (tgate + a Bot API emulator)."
  exec build/tgate sandbox
fi
