#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on loopback:
#   tests/postgres.sh .venv/bin/python -m pytest -m db
# Uses Debian's postgresql package (the Makefile installs it; app/system_tools.py lists
# it). PostgreSQL refuses to run as root, so the cluster belongs to the 'postgres' system user.
set -euo pipefail
# app/system_tools.py finds the server binaries (Debian keeps them off PATH).
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in initdb pg_ctl createdb postgres; do python3 "$root/app/system_tools.py" path $tool >/dev/null || exit 1; done
bindir=$(dirname "$(readlink -f "$(python3 "$root/app/system_tools.py" path initdb)")")
port=${HOLDLINE_PG_PORT:-54329}
data=$(mktemp -d /tmp/holdline-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
cleanup() { as_pg "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
as_pg "$bindir/initdb" -D "$data" -U holdline --auth=trust -E UTF8 >/dev/null
as_pg "$bindir/pg_ctl" -D "$data" -w -l "$data/server.log" \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U holdline holdline
export HOLDLINE_TEST_DATABASE_URL="postgresql://holdline@127.0.0.1:$port/holdline"
# For fault tests: the server binaries and this cluster's data dir (tests that stop a
# server start one of their own, since other tests share this one).
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
