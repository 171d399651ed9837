#!/usr/bin/env bash
# One command to try or run tgate on a fresh Debian 12 machine: installs what
# is missing, builds, then starts tgate. With a bot token configured
# (TGATE_BOT_TOKEN, or a config file passed as the first argument) it runs
# `tgate serve`; without one it runs `tgate sandbox`, tgate wired to the
# built-in Bot API emulator, and prints a walkthrough.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
if [ $# -ge 1 ]; then
  exec build/tgate --config "$1" serve
elif [ -n "${TGATE_BOT_TOKEN:-}" ]; then
  exec build/tgate serve
else
  echo "No TGATE_BOT_TOKEN set: starting the sandbox (tgate + a Bot API emulator)."
  exec build/tgate sandbox
fi
