#!/bin/bash
# Counts the instructions one turn costs in user space, under valgrind's callgrind: a count,
# not a time, so it repeats within a few tenths of a percent whatever else the machine does,
# and shows changes of 1 % that CPU time (10 to 20 % apart between runs) cannot. It leaves
# out the kernel's share (sockets, wake-ups, file writes) and says nothing of cache misses:
# use it beside ab.sh, not instead.
#
#   bench/profile/instructions.sh W2|W3 SWITCHBOARD [SWITCHBOARD ...]
#
# Needs a finished `cargo xtask bench` run (its loadgen, demo backend and copy of the demo
# project, under target/bench-runs/<latest>/) and valgrind. For each build: starts the server
# under callgrind with instrumentation off, warms it up for 3 s at 8 connections, counts over
# 15 s at 8 connections (about 2,700 W3 turns), and prints the instructions per turn of the
# whole process, every thread included.
set -euo pipefail
workload=$1
shift
concurrency=8
# shellcheck source=workload.sh
source "$(dirname "$0")/workload.sh"

start_backend
for exe in "$@"; do
  data=$(mktemp -d -p "$scratch")
  out=$(mktemp -d -p "$scratch")
  STORE_URL=http://127.0.0.1:39363/api/v2 taskset -c 0 valgrind --tool=callgrind \
    --instr-atstart=no --callgrind-out-file="$out/callgrind.%p" \
    "$exe" serve -c "$run/projects/store.yaml" --listen 127.0.0.1:39400 --data-dir "$data" \
    >"$out/server.log" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 300); do curl -sf http://127.0.0.1:39400/readyz >/dev/null && break; sleep 0.2; done
  load 3000ms >/dev/null
  callgrind_control -i on "$server" >/dev/null 2>&1
  turns=$(load 15000ms | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  callgrind_control -i off "$server" >/dev/null 2>&1
  kill "$server"
  wait "$server" 2>/dev/null || true
  instructions=$(cat "$out"/callgrind.* | awk '/^totals:/ {s += $2} END {print s}')
  echo "$workload $exe: $((instructions / turns)) instructions per turn over $turns turns"
done
