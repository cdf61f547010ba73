#!/bin/bash
# Counts the instructions one turn costs in user space, under valgrind's callgrind: a count,
# not a time, so it repeats within about 1 % whatever else the machine does,
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
# whole process, every thread included. With KEEP=DIR, each build's callgrind files are kept
# in DIR/<n>/ for `callgrind_annotate --inclusive=yes` (where the instructions go, by function).
set -euo pipefail
workload=$1
shift
concurrency=8
# shellcheck source=workload.sh
source "$(dirname "$0")/workload.sh"

n=0
start_backend
for exe in "$@"; do
  data=$(mktemp -d -p "$scratch")
  out=$(mktemp -d -p "$scratch")
  start_switchboard "$exe" "$data" "$out/server.log" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.%p"
  # Start-up under valgrind takes seconds, not milliseconds.
  ready 39400 readyz 600
  load 3000ms >/dev/null
  callgrind_control -i on "$server" >/dev/null 2>&1
  turns=$(load 15000ms | turns_of)
  callgrind_control -i off "$server" >/dev/null 2>&1
  kill "$server"
  wait "$server" 2>/dev/null || true
  instructions=$(cat "$out"/callgrind.* | awk '/^totals:/ {s += $2} END {print s}')
  echo "$workload $exe: $((instructions / turns)) instructions per turn over $turns turns"
  if [ -n "${KEEP:-}" ]; then
    kept=$KEEP/$((++n))
    mkdir -p "$kept"
    cp "$out"/callgrind.* "$kept"/
    echo "  callgrind files in $kept ($turns turns)"
  fi
done
