#!/usr/bin/env bash
# Installs the Debian packages of the system tools that are missing, then checks that
# every tool is there. app/system_tools.py is the list. It runs on every `make run` and
# `make test`: it looks at the real tools each time (a few milliseconds), so nothing
# stale can make it skip the install.
#   scripts/system-tools.sh run|test|bench
set -euo pipefail
purpose=${1:-test}
command -v python3 >/dev/null || { echo "python3 is needed (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
tools() { python3 app/system_tools.py "$@"; }

packages=$(tools packages "$purpose")
if [ -n "$packages" ]; then
  sudo=""
  if ! command -v apt-get >/dev/null; then
    echo "Missing system packages: $packages. This machine has no apt-get: install them with its package manager, then run make again." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Missing system packages: $packages. Install them as root: apt-get install $packages" >&2; exit 1; }
    sudo=sudo
  fi
  echo "Installing system packages: $packages (a first run takes a few minutes)"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $packages; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "apt-get could not install: $packages (see above). Install them by hand, then run make again." >&2
    rm -f "$log"; exit 1
  fi
  rm -f "$log"
fi
tools check "$purpose"
