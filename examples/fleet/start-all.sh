#!/usr/bin/env bash
# examples/fleet/start-all.sh [NAME...]
#
# Starts the example's replicas (default: replica-a replica-b replica-c) in this one
# terminal, their lines prefixed with their names, and waits for them. Each prints its
# pid first: `kill -9 PID` from another terminal crashes one, `kill PID` stops it
# gracefully. Ctrl-C stops them all gracefully (each gets the SIGINT and hands its shards
# over; the last one releases them). DATABASE_URL and SCHEDKIT_SCHEMA pass through.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -gt 0 ] || set -- replica-a replica-b replica-c

cd "$root" || exit 2
[ -d node_modules/tsx ] || { echo "start-all: tsx not found: run pnpm install at the repository root" >&2; exit 2; }

pids=()
for name in "$@"; do
  # One process per replica (no npx/tsx wrapper), so the pid it prints is the one to kill.
  node --import tsx examples/fleet/replica.ts "$name" &
  pids+=($!)
done
# Ctrl-C reaches every replica (they are in this terminal's foreground process group); just wait for them.
trap ':' INT TERM
status=0
for pid in "${pids[@]}"; do
  while :; do
    wait "$pid"
    code=$?
    # A trapped signal interrupts `wait` with a status above 128 while the child is still running.
    kill -0 "$pid" 2>/dev/null || break
  done
  [ "$code" -eq 0 ] || status=$code
done
exit $status
